/**
 * Whether the window is shown. A minimised or hidden window (or one on another desktop) is
 * `hidden` to the page: WebKitGTK, WKWebView and WebView2 all report it as document visibility.
 */
export function windowVisible(): boolean {
  return typeof document === "undefined" || document.visibilityState !== "hidden";
}

/** Calls `listener` with the new visibility each time the window is shown or hidden. */
export function onVisibilityChange(listener: (visible: boolean) => void): () => void {
  if (typeof document === "undefined") return () => {};
  const handle = () => listener(windowVisible());
  document.addEventListener("visibilitychange", handle);
  return () => document.removeEventListener("visibilitychange", handle);
}
