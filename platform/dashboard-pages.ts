// The dashboard's pages and their paths: shared by the app's navigation and the api, which answers
// exactly these paths with index.html so a reload or a bookmarked page works (no catch-all route, which
// would shadow the api's own 404 and 414 problems). Pure data, so the browser bundle may import it.
export const DASHBOARD_PAGES = [
  { path: '/', label: 'Overview' },
  { path: '/insights', label: 'Issues & insights' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/controls', label: 'Controls' },
  { path: '/history', label: 'History' },
  { path: '/ml', label: 'ML feedback' },
] as const;
