// Relay global IDs are base64("Type:id"). Some live events carry the database id instead
// (IncidentChange.incidentId today); this turns either form into the global ID.
export function globalId(type: string, id: string): string {
  try {
    if (atob(id).startsWith(`${type}:`)) return id;
  } catch {
    /* not base64: a database id */
  }
  return btoa(`${type}:${id}`);
}
