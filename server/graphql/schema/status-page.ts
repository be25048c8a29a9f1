// Status pages (issue 17): a customer's public pages, the hosts each shows, and the public notes
// on incidents. Tenancy lives in services/status-pages: a customer reads and edits only its own
// pages; another's page id answers NOT_FOUND, like an unknown one.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { StatusPageItem } from '../../generated/prisma/client.ts';
import { setIncidentPublicNote } from '../../services/status-pages/notes.ts';
import {
  createStatusPage,
  deleteStatusPage,
  getStatusPage,
  listStatusPages,
  setStatusPageItems,
  type StatusPageWithItems,
  updateStatusPage,
} from '../../services/status-pages/pages.ts';
import { builder } from '../builder.ts';
import { LanguageEnum } from './enums.ts';
import { standardErrors } from './errors.ts';
import { inputNodeId, requireNodeId } from './node-access.ts';

const publicPath = (slug: string) => `/status/${encodeURIComponent(slug)}`;

const StatusPageItemRef = builder.objectRef<StatusPageItem & { slug: string }>('StatusPageItem').implement({
  description: 'One host on a status page, shown by its label.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The item id (also in its badge URL; never the monitor id).' }),
    monitor: t.id({ resolve: (i) => encodeGlobalID('Monitor', i.monitorId) }),
    label: t.exposeString('label'),
    ports: t.exposeIntList('ports', { description: 'The ports shown; empty = every port of the monitor.' }),
    showAddress: t.exposeBoolean('showAddress', { description: 'The IP and port numbers appear on the page.' }),
    badgePath: t.string({
      description: 'The SVG badge (state, 90-day uptime), relative to the server address.',
      resolve: (i) => `${publicPath(i.slug)}/badge/${i.id}.svg`,
    }),
  }),
});

const StatusPageRef = builder.objectRef<StatusPageWithItems>('StatusPage').implement({
  description: 'A public status page. Nothing is public until `published`.',
  fields: (t) => ({
    id: t.id({ resolve: (p) => encodeGlobalID('StatusPage', p.id) }),
    slug: t.exposeString('slug', { description: 'The address: /status/<slug>.' }),
    path: t.string({ resolve: (p) => publicPath(p.slug) }),
    url: t.string({
      description: 'The full public address (PUBLIC_URL + path).',
      resolve: (p, _a, ctx) => `${ctx.services.publicUrl.replace(/\/$/, '')}${publicPath(p.slug)}`,
    }),
    title: t.exposeString('title'),
    description: t.exposeString('description', { nullable: true }),
    published: t.exposeBoolean('published'),
    language: t.expose('language', { type: LanguageEnum, description: 'For visitors whose browser asks for neither.' }),
    timeZone: t.exposeString('timeZone', { description: 'The days of the 90-day strip.' }),
    items: t.field({
      type: [StatusPageItemRef],
      resolve: (p) => p.items.map((i) => ({ ...i, slug: p.slug })),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('statusPages', (t) =>
  t.field({
    type: [StatusPageRef],
    authScopes: { signedIn: true },
    description: "Your account's status pages (at most 20).",
    resolve: (_r, _a, ctx) => listStatusPages(ctx.services, ctx.viewer),
  }),
);

builder.queryField('statusPage', (t) =>
  t.field({
    type: StatusPageRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) =>
      getStatusPage(ctx.services, ctx.viewer, requireNodeId(String(id), 'StatusPage', 'Status page')),
  }),
);

const StatusPageInput = builder.inputType('StatusPageInput', {
  fields: (t) => ({
    slug: t.string({ description: '3–40 lower-case letters, digits and hyphens; unique on this server.' }),
    title: t.string(),
    description: t.string({ description: 'Shown under the title (empty removes it).' }),
    language: t.field({ type: LanguageEnum }),
    timeZone: t.string({ description: 'IANA time zone of the daily bars (default: the account’s).' }),
    published: t.boolean({ description: 'Off by default: an unpublished page answers 404 like an unknown one.' }),
  }),
});

type PageInputShape = {
  slug?: string | null;
  title?: string | null;
  description?: string | null;
  language?: 'ko' | 'en' | null;
  timeZone?: string | null;
  published?: boolean | null;
};
const pageInput = (i: PageInputShape) => ({
  slug: i.slug ?? null,
  title: i.title ?? null,
  ...(i.description !== undefined ? { description: i.description } : {}),
  language: i.language ?? null,
  timeZone: i.timeZone ?? null,
  published: i.published ?? null,
});

builder.mutationField('createStatusPage', (t) =>
  t.field({
    type: StatusPageRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { input: t.arg({ type: StatusPageInput, required: true }) },
    resolve: (_r, { input }, ctx) => createStatusPage(ctx.services, ctx.viewer, pageInput(input)),
  }),
);

builder.mutationField('updateStatusPage', (t) =>
  t.field({
    type: StatusPageRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: StatusPageInput, required: true }) },
    resolve: (_r, { id, input }, ctx) =>
      updateStatusPage(
        ctx.services,
        ctx.viewer,
        requireNodeId(String(id), 'StatusPage', 'Status page'),
        pageInput(input),
      ),
  }),
);

const DeletedStatusPageRef = builder
  .objectRef<{ id: string }>('DeletedStatusPage')
  .implement({ fields: (t) => ({ id: t.exposeID('id') }) });

builder.mutationField('deleteStatusPage', (t) =>
  t.field({
    type: DeletedStatusPageRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) => {
      await deleteStatusPage(ctx.services, ctx.viewer, requireNodeId(String(id), 'StatusPage', 'Status page'));
      return { id: String(id) };
    },
  }),
);

const StatusPageItemInput = builder.inputType('StatusPageItemInput', {
  fields: (t) => ({
    monitor: t.id({ required: true }),
    label: t.string({ required: true, description: 'What visitors see instead of the address.' }),
    ports: t.intList({ description: 'Ports to show; empty or absent = every port of the monitor.' }),
    showAddress: t.boolean({ description: 'Show the IP and the port numbers (off by default).' }),
  }),
});

builder.mutationField('setStatusPageItems', (t) =>
  t.field({
    type: StatusPageRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description: 'Replaces the hosts shown, in this order (at most 50). A host kept keeps its item id and badge URL.',
    args: {
      id: t.arg.id({ required: true }),
      items: t.arg({ type: [StatusPageItemInput], required: true }),
    },
    resolve: (_r, { id, items }, ctx) =>
      setStatusPageItems(
        ctx.services,
        ctx.viewer,
        requireNodeId(String(id), 'StatusPage', 'Status page'),
        items.map((i, k) => ({
          monitorId:
            inputNodeId(String(i.monitor), 'Monitor', ['items', String(k), 'monitor'], 'No such monitor') ?? '',
          label: i.label,
          ports: i.ports ?? null,
          showAddress: i.showAddress ?? null,
        })),
      ),
  }),
);

const PublicNoteRef = builder
  .objectRef<{ incidentId: string; body: string | null; updatedAt: Date | null }>('IncidentPublicNote')
  .implement({
    fields: (t) => ({
      incident: t.id({ resolve: (n) => encodeGlobalID('Incident', n.incidentId) }),
      body: t.exposeString('body', { nullable: true }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
    }),
  });

builder.mutationField('setIncidentPublicNote', (t) =>
  t.field({
    type: PublicNoteRef,
    authScopes: { signedIn: true },
    errors: { types: standardErrors },
    description: 'Your words about an incident on your status pages (empty removes them; at most 2,000 characters).',
    args: { incident: t.arg.id({ required: true }), body: t.arg.string() },
    resolve: (_r, { incident, body }, ctx) =>
      setIncidentPublicNote(
        ctx.services,
        ctx.viewer,
        requireNodeId(String(incident), 'Incident', 'Incident'),
        body ?? null,
      ),
  }),
);

builder.prismaObjectField('Incident', 'publicNote', (t) =>
  t.string({
    nullable: true,
    description: 'The public note shown with this incident on status pages.',
    select: { publicNote: { select: { body: true } } },
    resolve: (i) => i.publicNote?.body ?? null,
  }),
);
