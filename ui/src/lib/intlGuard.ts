/**
 * Loaded before anything else (first import of main.tsx). Under `LANG=C` WebKitGTK reports
 * the language tag "C": `Intl` constructors given the default locale or `navigator.language`
 * then throw `RangeError: invalid language tag`, and libraries that build formatters when
 * they load (uPlot does) would stop the whole UI from starting. Where that happens, the
 * constructors fall back to "en-US" instead of throwing.
 */
import { pickLocale } from "./intl";

type IntlCtor = typeof Intl.NumberFormat | typeof Intl.DateTimeFormat;

export function withLocaleFallback<C extends IntlCtor>(ctor: C, fallback: string): C {
  const build = (make: (locales: unknown) => object, locales: unknown) => {
    try {
      return make(locales);
    } catch (e) {
      if (e instanceof RangeError) return make(fallback);
      throw e;
    }
  };
  return new Proxy(ctor, {
    construct(target, args) {
      return build((l) => Reflect.construct(target, [l, ...args.slice(1)]), args[0]);
    },
    apply(target, self, args) {
      return build((l) => Reflect.apply(target, self, [l, ...args.slice(1)]), args[0]);
    },
  });
}

// The default locale may be fine while `navigator.language` is not (WebKitGTK: both "C").
const fallback =
  pickLocale() ??
  pickLocale((l) => new Intl.NumberFormat(l ?? (typeof navigator === "undefined" ? undefined : navigator.language)));
if (fallback !== undefined) {
  Intl.NumberFormat = withLocaleFallback(Intl.NumberFormat, fallback);
  Intl.DateTimeFormat = withLocaleFallback(Intl.DateTimeFormat, fallback);
}
