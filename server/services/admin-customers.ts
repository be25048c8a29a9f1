// Admin: customers. Create (through accounts.createCustomer), edit (name, contact, port limit,
// language, time zone), disable and enable; the customer list with search.
import type { Account, Prisma } from '../generated/prisma/client.ts';
import type { CustomerKind, Language } from '../generated/prisma/enums.ts';
import { normalizeMobile } from '../notify/phone.ts';
import { createCustomer } from './accounts.ts';
import { recordAudit } from './audit.ts';
import { NotFoundError, ValidationError, type FieldProblem } from './errors.ts';
import { checkIp, problemOf } from './ip-policy.ts';
import { isTimeZone } from './logs.ts';
import { isEmailAddress } from '../notify/email-address.ts';
import { getMonitorDefaults } from './settings.ts';
import { requireAdmin } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export interface ListCustomersOptions {
  /** The start of a login id, or part of the name. */
  search?: string | null;
  kind?: CustomerKind | null;
  disabled?: boolean | null;
}

export function customerListWhere(opts: ListCustomersOptions): Prisma.AccountWhereInput {
  const and: Prisma.AccountWhereInput[] = [{ role: 'CUSTOMER' }];
  if (opts.kind) and.push({ kind: opts.kind });
  if (opts.disabled != null) and.push({ disabledAt: opts.disabled ? { not: null } : null });
  const search = opts.search?.trim().slice(0, 100);
  if (search)
    and.push({
      OR: [
        { loginId: { startsWith: search, mode: 'insensitive' } },
        { name: { contains: search, mode: 'insensitive' } },
      ],
    });
  return { AND: and };
}

type AccountQuery = Omit<Prisma.AccountFindManyArgs, 'where' | 'orderBy'>;

export function listCustomers(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: ListCustomersOptions,
  query: AccountQuery,
) {
  requireAdmin(viewer);
  return deps.prisma.account.findMany({ ...query, where: customerListWhere(opts), orderBy: [{ loginId: 'asc' }] });
}

export function countCustomers(deps: ServiceDeps, viewer: Viewer | null, opts: ListCustomersOptions) {
  requireAdmin(viewer);
  return deps.prisma.account.count({ where: customerListWhere(opts) });
}

const prefixed = (err: unknown): never => {
  if (err instanceof ValidationError)
    throw new ValidationError(err.fields.map((f) => ({ ...f, path: ['input', ...f.path] })));
  throw err;
};

function checkPhone(phone: string | null | undefined, problems: FieldProblem[]): string | null {
  const raw = phone?.trim();
  if (!raw) return null;
  const m = normalizeMobile(raw);
  if (m.ok) return m.e164;
  problems.push({ path: ['input', 'phone'], message: `Not a mobile number: ${m.reason}`, code: 'INVALID_PHONE' });
  return null;
}

export interface CreateCustomerAccountOptions {
  loginId: string;
  password: string;
  name: string;
  email: string;
  phone?: string | null;
  kind: CustomerKind;
  representativeIp?: string | null;
  allowPrivate?: boolean | null;
  language?: Language | null;
  timeZone?: string | null;
  portLimit?: number | null;
}

export async function createCustomerAccount(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: CreateCustomerAccountOptions,
): Promise<Account> {
  requireAdmin(viewer);
  const problems: FieldProblem[] = [];
  const phone = checkPhone(opts.phone, problems);
  let representativeIp: string | null = null;
  if (opts.representativeIp?.trim()) {
    if (opts.kind !== 'COLOCATION')
      problems.push({
        path: ['input', 'representativeIp'],
        message: 'Only colocation customers have a representative IP',
        code: 'COLOCATION_ONLY',
      });
    const ip = checkIp(opts.representativeIp, { allowPrivate: opts.allowPrivate ?? false });
    if (!ip.ok) problems.push({ path: ['input', 'representativeIp'], ...problemOf(ip) });
    else if (await deps.prisma.server.count({ where: { ip: ip.ip } }))
      problems.push({
        path: ['input', 'representativeIp'],
        message: `${ip.ip} is already in the inventory`,
        code: 'IP_IN_INVENTORY',
        params: { ip: ip.ip },
      });
    else representativeIp = ip.ip;
  }
  const timeZone = opts.timeZone?.trim() || 'Asia/Seoul';
  if (!isTimeZone(timeZone))
    problems.push({ path: ['input', 'timeZone'], message: 'Unknown time zone', code: 'UNKNOWN_TIME_ZONE' });
  if (problems.length) throw new ValidationError(problems);
  const portLimit = opts.portLimit ?? (await getMonitorDefaults(deps.prisma)).portLimit;
  return createCustomer(deps, viewer, {
    loginId: opts.loginId.trim(),
    password: opts.password,
    name: opts.name,
    email: opts.email.trim(),
    phone,
    kind: opts.kind,
    representativeIp,
    representativeAllowPrivate: opts.allowPrivate ?? false,
    language: opts.language ?? 'ko',
    timeZone,
    portLimit,
  }).catch(prefixed);
}

export interface UpdateCustomerOptions {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  portLimit?: number | null;
  language?: Language | null;
  timeZone?: string | null;
}

async function findCustomer(deps: ServiceDeps, accountId: string) {
  const account = await deps.prisma.account.findFirst({ where: { id: accountId, role: 'CUSTOMER' } });
  if (!account) throw new NotFoundError('Customer');
  return account;
}

/** Fields left out stay; `phone: null` removes the phone. A lower port limit applies to later edits. */
export async function updateCustomer(
  deps: ServiceDeps,
  viewer: Viewer,
  accountId: string,
  opts: UpdateCustomerOptions,
): Promise<Account> {
  requireAdmin(viewer);
  const account = await findCustomer(deps, accountId);
  const problems: FieldProblem[] = [];
  const data: Prisma.AccountUpdateInput = {};
  if (opts.name != null) {
    const name = opts.name.trim();
    if (!name || name.length > 100)
      problems.push({
        path: ['input', 'name'],
        message: 'Enter a name (at most 100 characters)',
        ...(name ? { code: 'TOO_LONG', params: { max: 100 } } : { code: 'REQUIRED' }),
      });
    data.name = name;
  }
  if (opts.email != null) {
    const email = opts.email.trim();
    if (!isEmailAddress(email))
      problems.push({ path: ['input', 'email'], message: 'Enter an e-mail address with @', code: 'INVALID_EMAIL' });
    data.email = email;
  }
  if (opts.phone !== undefined) data.phone = checkPhone(opts.phone, problems);
  if (opts.portLimit != null) {
    if (!Number.isInteger(opts.portLimit) || opts.portLimit < 1 || opts.portLimit > 100)
      problems.push({
        path: ['input', 'portLimit'],
        message: 'From 1 to 100',
        code: 'OUT_OF_RANGE',
        params: { min: 1, max: 100 },
      });
    data.portLimit = opts.portLimit;
  }
  if (opts.language != null) data.language = opts.language;
  if (opts.timeZone != null) {
    if (!isTimeZone(opts.timeZone))
      problems.push({ path: ['input', 'timeZone'], message: 'Unknown time zone', code: 'UNKNOWN_TIME_ZONE' });
    data.timeZone = opts.timeZone;
  }
  if (problems.length) throw new ValidationError(problems);
  return deps.prisma.$transaction(async (tx) => {
    const updated = await tx.account.update({ where: { id: account.id }, data });
    await recordAudit(tx, viewer, {
      action: 'account.update',
      targetType: 'Account',
      targetId: account.id,
      detail: { fields: Object.keys(data) },
    });
    return updated;
  });
}

/** Disabling ends sign-ins and API tokens at once (they check disabledAt); monitors keep running. */
export async function setCustomerDisabled(
  deps: ServiceDeps,
  viewer: Viewer,
  accountId: string,
  disabled: boolean,
): Promise<Account> {
  requireAdmin(viewer);
  const account = await findCustomer(deps, accountId);
  if (disabled === (account.disabledAt !== null)) return account;
  const result = await deps.prisma.$transaction(async (tx) => {
    const updated = await tx.account.update({
      where: { id: account.id },
      data: { disabledAt: disabled ? deps.now() : null },
    });
    if (disabled) await tx.session.deleteMany({ where: { accountId: account.id } });
    await recordAudit(tx, viewer, {
      action: disabled ? 'account.disable' : 'account.enable',
      targetType: 'Account',
      targetId: account.id,
    });
    return updated;
  });
  // every socket and stream of the account ends (sessions and API tokens), in every process
  if (disabled) deps.events.credentialRevoked({ kind: 'account', id: account.id, reason: 'disabled' });
  return result;
}
