// A coarse clock for "3 minutes ago" texts and delay checks (ticks every 10 s while visible).
class Clock {
  now = $state(Date.now());
  constructor() {
    if (typeof window === 'undefined') return;
    setInterval(() => {
      if (document.visibilityState === 'visible') this.now = Date.now();
    }, 10_000);
  }
}
export const clock = new Clock();
