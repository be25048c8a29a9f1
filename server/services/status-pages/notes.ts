// A public note on an incident: the customer's own words, shown with the incident on every
// status page that shows it (never the OS error, never the internal reason). The incident's
// owner writes it (admins: any incident). Empty text removes it.
import { recordAudit } from '../audit.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { incidentWhere } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';
import { checkText, isProblem, NOTE_MAX } from './input.ts';

export async function setIncidentPublicNote(
  deps: ServiceDeps,
  viewer: Viewer | null,
  incidentId: string,
  body: string | null,
): Promise<{ incidentId: string; body: string | null; updatedAt: Date | null }> {
  if (!viewer) throw new ForbiddenError('Sign in first');
  const checked = checkText(body ?? '', ['body'], NOTE_MAX, { multiline: true, required: false });
  if (isProblem(checked)) throw new ValidationError([checked]);
  const incident = await deps.prisma.incident.findFirst({
    where: { id: incidentId, kind: 'HOST_DOWN', ...incidentWhere(viewer) },
    select: { id: true, monitorId: true },
  });
  if (!incident) throw new NotFoundError('Incident');
  const note = await deps.prisma.$transaction(async (tx) => {
    await recordAudit(tx, viewer, { action: 'incident.publicNote', targetType: 'Incident', targetId: incidentId });
    if (!checked.text) {
      await tx.incidentPublicNote.deleteMany({ where: { incidentId } });
      return { incidentId, body: null, updatedAt: null };
    }
    const n = await tx.incidentPublicNote.upsert({
      where: { incidentId },
      create: { incidentId, body: checked.text },
      update: { body: checked.text },
    });
    return { incidentId, body: n.body, updatedAt: n.updatedAt };
  });
  deps.events.statusPageChanged({ pageId: null, incidentId, monitorId: incident.monitorId ?? undefined });
  return note;
}
