// SvelteKit config for the dashboard. Sources live in client/ (not src/); the static build
// goes to build/client, which the server serves at / with an index.html fallback (SPA).
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    files: { src: 'client', assets: 'client/static' },
    // One chunk per route (the default 'split'): a customer never downloads the admin console's
    // pages; the entry preloads what every page shares (test/e2e/bundle-split.test.ts).
    output: { bundleStrategy: 'split' },
    adapter: adapter({ pages: 'build/client', assets: 'build/client', fallback: 'index.html', strict: true }),
    typescript: {
      // test/ belongs to the server's tsconfig (tsc -p .), not to the client's type check.
      config: (config) => {
        config.include = config.include.filter((p) => !/^\.\.\/tests?\//.test(p));
      },
    },
  },
};
