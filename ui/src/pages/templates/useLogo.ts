// Template logos come from anywhere on the internet; the app's CSP lets no remote image in,
// and the page never names a remote URL. The backend fetches (and caches) each logo and
// returns it as a `data:` URL, asked once per URL for the whole session.
import { useEffect, useState } from "react";
import { call } from "../../api/unwrap";
import { commands } from "../../bindings";

/** Logo requests running at once; the rest wait, newest first (the cards just scrolled into view). */
const MAX_IN_FLIGHT = 6;

const pending = new Map<string, Promise<string | null>>();
const resolved = new Map<string, string | null>();
const queue: (() => void)[] = [];
let inFlight = 0;

function pump() {
  while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
    const job = queue.pop();
    if (job) job();
  }
}

/** Asks the backend for one logo, through the queue. A failure counts as "no logo". */
function fetchLogo(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    queue.push(() => {
      inFlight++;
      call(commands.templateLogo(url))
        .then((data) => (data && data.startsWith("data:image/") ? data : null))
        .catch(() => null)
        .then((data) => {
          inFlight--;
          resolved.set(url, data);
          resolve(data);
          pump();
        });
    });
    pump();
  });
}

/** The logo of `url` as a `data:` URL: one backend call per URL however many cards ask. */
export function loadLogo(url: string): Promise<string | null> {
  let promise = pending.get(url);
  if (!promise) {
    promise = fetchLogo(url);
    pending.set(url, promise);
  }
  return promise;
}

/**
 * A template logo as a `data:` URL; null while it loads and when there is none (the caller
 * shows a placeholder). A logo already fetched is there on the first render.
 */
export function useLogo(url: string | null | undefined): string | null {
  const wanted = url?.trim() || null;
  const [logo, setLogo] = useState<{ url: string | null; data: string | null }>(() => ({
    url: wanted,
    data: wanted ? (resolved.get(wanted) ?? null) : null,
  }));

  useEffect(() => {
    if (!wanted) return;
    let live = true;
    void loadLogo(wanted).then((data) => {
      if (live) setLogo((prev) => (prev.url === wanted && prev.data === data ? prev : { url: wanted, data }));
    });
    return () => {
      live = false;
    };
  }, [wanted]);

  if (!wanted) return null;
  // A card reused for another template must not show the previous one's logo.
  if (logo.url !== wanted) return resolved.get(wanted) ?? null;
  return logo.data ?? resolved.get(wanted) ?? null;
}

/** Forgets every logo (tests start each case with an empty cache). */
export function clearLogoCache() {
  pending.clear();
  resolved.clear();
  queue.length = 0;
  inFlight = 0;
}
