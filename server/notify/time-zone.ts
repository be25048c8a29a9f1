// Wall-clock formatting in an IANA time zone, shared by the messages and the availability
// calendar. Building an Intl.DateTimeFormat costs far more than formatting with one (it was the largest
// self-time item of a 1,000-incident burst): one per time zone, kept (zones are few).
const formatters = new Map<string, Intl.DateTimeFormat>();

export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    if (formatters.size < 1_000) formatters.set(timeZone, fmt);
  }
  return fmt;
}
