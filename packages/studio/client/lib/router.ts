import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** e.g. ['runs', '<id>'] */
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
}

function parse(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

/** Hash routes (`#/runs`, `#/replay/<id>?fold=0`): no server routes needed, links work from a file of bookmarks. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function href(parts: readonly string[], query?: Record<string, string | number | undefined>): string {
  const q = query ? Object.entries(query).filter(([, v]) => v !== undefined && v !== '') : [];
  const search = q.length ? `?${q.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}` : '';
  return `#/${parts.map(encodeURIComponent).join('/')}${search}`;
}

export function navigate(parts: readonly string[], query?: Record<string, string | number | undefined>): void {
  location.hash = href(parts, query);
}
