// Dev-server proxy (`nx serve web`): the API on :8083 answers the API paths; console deep links
// whose last segment looks like a file (`/runbooks/SimpleRunbook.md`) still get the app, which the
// dev server's own SPA fallback would refuse.
const api = { target: 'http://localhost:8083', secure: false };

const wantsPage = (req) => (req.headers.accept ?? '').includes('text/html');

export default {
  '/api': api,
  '/dev-login': api,
  '/health': api,
  '/docs': api,
  '/runbooks/': { ...api, bypass: (req) => (wantsPage(req) ? '/index.html' : undefined) },
  '/runbook/': { ...api, bypass: (req) => (wantsPage(req) ? '/index.html' : undefined) },
};
