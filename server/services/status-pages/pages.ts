// A customer's status pages: create, edit, publish, choose the hosts shown, delete. An admin
// manages its own pages (the provider-wide page, which may show any customer's monitors) and may
// read and edit any page. A foreign page id answers exactly like an unknown one (NOT_FOUND).
// Every change is announced (statusPageChanged) so the public page's cache and live viewers follow.
import type { Language } from '../../generated/prisma/enums.ts';
import type { StatusPage, StatusPageItem } from '../../generated/prisma/client.ts';
import { recordAudit } from '../audit.ts';
import { ForbiddenError, isUniqueViolation, NotFoundError, ValidationError, type FieldProblem } from '../errors.ts';
import { ownedWhere } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';
import {
  checkSlug,
  checkText,
  checkTimeZone,
  DESCRIPTION_MAX,
  isProblem,
  LABEL_MAX,
  MAX_ITEMS,
  MAX_PAGES_PER_ACCOUNT,
  TITLE_MAX,
} from './input.ts';

export interface StatusPageInput {
  slug?: string | null;
  title?: string | null;
  description?: string | null;
  language?: Language | null;
  timeZone?: string | null;
  published?: boolean | null;
}

export interface StatusPageItemInput {
  monitorId: string;
  label: string;
  /** Empty or absent: every port of the monitor. */
  ports?: readonly number[] | null;
  showAddress?: boolean | null;
}

export type StatusPageWithItems = StatusPage & { items: StatusPageItem[] };

function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new ForbiddenError('Sign in first');
  return viewer;
}

const pageWhere = (viewer: Viewer, id: string) => ({ id, ...ownedWhere(viewer) });

export async function listStatusPages(deps: ServiceDeps, viewer: Viewer | null): Promise<StatusPageWithItems[]> {
  const v = requireViewer(viewer);
  return deps.prisma.statusPage.findMany({
    where: { accountId: v.accountId },
    include: { items: { orderBy: { position: 'asc' } } },
    orderBy: { createdAt: 'asc' },
  });
}

export async function getStatusPage(
  deps: ServiceDeps,
  viewer: Viewer | null,
  id: string,
): Promise<StatusPageWithItems> {
  const v = requireViewer(viewer);
  const page = await deps.prisma.statusPage.findFirst({
    where: pageWhere(v, id),
    include: { items: { orderBy: { position: 'asc' } } },
  });
  if (!page) throw new NotFoundError('Status page');
  return page;
}

function validate(input: StatusPageInput, creating: boolean) {
  const problems: FieldProblem[] = [];
  const data: {
    slug?: string;
    title?: string;
    description?: string | null;
    language?: Language;
    timeZone?: string;
    published?: boolean;
  } = {};
  if (input.slug != null || creating) {
    const r = checkSlug(input.slug ?? '', ['input', 'slug']);
    if (isProblem(r)) problems.push(r);
    else data.slug = r.slug;
  }
  if (input.title != null || creating) {
    const r = checkText(input.title ?? '', ['input', 'title'], TITLE_MAX);
    if (isProblem(r)) problems.push(r);
    else data.title = r.text;
  }
  if (input.description !== undefined) {
    const r = checkText(input.description ?? '', ['input', 'description'], DESCRIPTION_MAX, {
      multiline: true,
      required: false,
    });
    if (isProblem(r)) problems.push(r);
    else data.description = r.text || null;
  }
  if (input.timeZone != null) {
    const r = checkTimeZone(input.timeZone, ['input', 'timeZone']);
    if (isProblem(r)) problems.push(r);
    else data.timeZone = r.timeZone;
  }
  if (input.language != null) data.language = input.language;
  if (input.published != null) data.published = input.published;
  if (problems.length) throw new ValidationError(problems);
  return data;
}

const slugTaken = (slug: string) =>
  ValidationError.field(['input', 'slug'], `The address "${slug}" is taken`, 'SLUG_TAKEN', { slug });

export async function createStatusPage(
  deps: ServiceDeps,
  viewer: Viewer | null,
  input: StatusPageInput,
): Promise<StatusPageWithItems> {
  const v = requireViewer(viewer);
  const data = validate(input, true);
  const count = await deps.prisma.statusPage.count({ where: { accountId: v.accountId } });
  if (count >= MAX_PAGES_PER_ACCOUNT)
    throw ValidationError.field(['input'], `At most ${MAX_PAGES_PER_ACCOUNT} status pages per account`, 'TOO_MANY', {
      max: MAX_PAGES_PER_ACCOUNT,
    });
  const account = await deps.prisma.account.findUniqueOrThrow({
    where: { id: v.accountId },
    select: { language: true, timeZone: true },
  });
  try {
    const page = await deps.prisma.$transaction(async (tx) => {
      const p = await tx.statusPage.create({
        data: {
          accountId: v.accountId,
          slug: data.slug as string,
          title: data.title as string,
          description: data.description ?? null,
          language: data.language ?? account.language,
          timeZone: data.timeZone ?? account.timeZone,
          published: data.published ?? false,
        },
        include: { items: true },
      });
      await recordAudit(tx, v, { action: 'statusPage.create', targetType: 'StatusPage', targetId: p.id });
      return p;
    });
    deps.events.statusPageChanged({ pageId: page.id });
    return page;
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(data.slug as string);
    throw err;
  }
}

export async function updateStatusPage(
  deps: ServiceDeps,
  viewer: Viewer | null,
  id: string,
  input: StatusPageInput,
): Promise<StatusPageWithItems> {
  const v = requireViewer(viewer);
  const data = validate(input, false);
  await getStatusPage(deps, v, id);
  try {
    const page = await deps.prisma.$transaction(async (tx) => {
      const p = await tx.statusPage.update({
        where: { id },
        data,
        include: { items: { orderBy: { position: 'asc' } } },
      });
      await recordAudit(tx, v, {
        action: 'statusPage.update',
        targetType: 'StatusPage',
        targetId: id,
        detail: { ...data },
      });
      return p;
    });
    deps.events.statusPageChanged({ pageId: id });
    return page;
  } catch (err) {
    if (isUniqueViolation(err) && data.slug) throw slugTaken(data.slug);
    throw err;
  }
}

export async function deleteStatusPage(deps: ServiceDeps, viewer: Viewer | null, id: string): Promise<void> {
  const v = requireViewer(viewer);
  await getStatusPage(deps, v, id);
  await deps.prisma.$transaction(async (tx) => {
    await tx.statusPage.delete({ where: { id } });
    await recordAudit(tx, v, { action: 'statusPage.delete', targetType: 'StatusPage', targetId: id });
  });
  deps.events.statusPageChanged({ pageId: id });
}

/**
 * Replaces the hosts shown (in the given order). A monitor keeps its item id (and so its badge
 * URL) while it stays on the page. Customers may choose only their own live monitors; the
 * page's owner decides for admin pages (any live monitor).
 */
export async function setStatusPageItems(
  deps: ServiceDeps,
  viewer: Viewer | null,
  id: string,
  items: readonly StatusPageItemInput[],
): Promise<StatusPageWithItems> {
  const v = requireViewer(viewer);
  const page = await getStatusPage(deps, v, id);
  const problems: FieldProblem[] = [];
  if (items.length > MAX_ITEMS)
    problems.push({
      path: ['items'],
      message: `At most ${MAX_ITEMS} hosts`,
      code: 'TOO_MANY',
      params: { max: MAX_ITEMS },
    });
  const ids = [...new Set(items.map((i) => i.monitorId))];
  if (ids.length !== items.length)
    problems.push({ path: ['items'], message: 'A host appears twice', code: 'DUPLICATE' });
  // the page owner's monitors (an admin page: anyone's); a foreign id is "no such monitor"
  const ownerIsAdmin = await deps.prisma.account.count({ where: { id: page.accountId, role: 'ADMIN' } });
  const monitors = await deps.prisma.monitor.findMany({
    where: {
      id: { in: ids },
      deletedAt: null,
      ...(ownerIsAdmin ? {} : { accountId: page.accountId }),
    },
    select: { id: true, ports: true },
  });
  const known = new Map(monitors.map((m) => [m.id, m.ports]));
  const rows = items.map((item, k) => {
    const path = ['items', String(k)];
    const ports = known.get(item.monitorId);
    if (!ports) problems.push({ path: [...path, 'monitor'], message: 'No such monitor', code: 'NOT_FOUND' });
    const label = checkText(item.label, [...path, 'label'], LABEL_MAX);
    if (isProblem(label)) problems.push(label);
    const chosen = [...new Set(item.ports ?? [])].sort((a, b) => a - b);
    const foreign = chosen.filter((p) => !ports?.includes(p));
    if (ports && foreign.length)
      problems.push({
        path: [...path, 'ports'],
        message: `Not a port of this monitor: ${foreign.join(', ')}`,
        code: 'UNKNOWN_PORT',
        params: { ports: foreign.join(', ') },
      });
    return {
      monitorId: item.monitorId,
      label: isProblem(label) ? '' : label.text,
      ports: chosen,
      showAddress: item.showAddress === true,
      position: k,
    };
  });
  if (problems.length) throw new ValidationError(problems);
  const updated = await deps.prisma.$transaction(async (tx) => {
    await tx.statusPageItem.deleteMany({ where: { pageId: id, monitorId: { notIn: ids } } });
    for (const row of rows)
      await tx.statusPageItem.upsert({
        where: { pageId_monitorId: { pageId: id, monitorId: row.monitorId } },
        create: { pageId: id, ...row },
        update: row,
      });
    await recordAudit(tx, v, {
      action: 'statusPage.items',
      targetType: 'StatusPage',
      targetId: id,
      detail: { monitors: ids },
    });
    return tx.statusPage.findUniqueOrThrow({
      where: { id },
      include: { items: { orderBy: { position: 'asc' } } },
    });
  });
  deps.events.statusPageChanged({ pageId: id });
  return updated;
}
