import { useCallback, useEffect, useState } from "react";

export const ROUTES = ["dashboard", "containers", "logs", "templates", "images", "volumes", "networks", "registries", "devices"] as const;
export type Route = (typeof ROUTES)[number];

export const DEFAULT_ROUTE: Route = "dashboard";

export function parseRoute(hash: string): Route {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0];
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : DEFAULT_ROUTE;
}

/** The screen named by the location hash (`#/images`); the dashboard by default. */
export function useHashRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));

  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);

  const navigate = useCallback((next: Route) => {
    window.location.hash = `#/${next}`;
    setRoute(next);
  }, []);

  return [route, navigate];
}
