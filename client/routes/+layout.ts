// A client-side SPA: no server rendering, no prerendering (adapter-static serves the
// fallback index.html for every route).
export const ssr = false;
export const prerender = false;
