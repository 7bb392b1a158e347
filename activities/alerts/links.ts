// Where an operator looks at an alert: the dashboard's issues page and the cycle's workflow in the Temporal Web UI.

export interface LinkOptions {
  /** The api's public URL, which serves the dashboard, e.g. http://127.0.0.1:3000. */
  dashboardUrl: string;
  /** The Temporal Web UI, e.g. http://127.0.0.1:8233. */
  temporalUiUrl: string;
  temporalNamespace: string;
}

export interface AlertLinks {
  dashboard: string;
  temporal: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function alertLinks(opts: LinkOptions, cycleId: string): AlertLinks {
  return {
    dashboard: `${trimSlash(opts.dashboardUrl)}/insights`,
    temporal:
      `${trimSlash(opts.temporalUiUrl)}/namespaces/${encodeURIComponent(opts.temporalNamespace)}` +
      `/workflows/${encodeURIComponent(cycleId)}`,
  };
}
