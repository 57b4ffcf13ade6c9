import { describe, expect, it } from "vitest";
import { pickLocale } from "./intl";

describe("pickLocale", () => {
  it("keeps the user's locale when Intl accepts it", () => {
    expect(pickLocale(() => new Intl.DateTimeFormat(undefined))).toBeUndefined();
  });

  it("falls back to a valid tag when the system reports one Intl rejects (LANG=C)", () => {
    const probe = (locale: string | undefined) => {
      if (locale === undefined) throw new RangeError("invalid language tag: C");
      return new Intl.DateTimeFormat(locale);
    };
    const locale = pickLocale(probe);
    expect(locale).toBe("en-US");
    expect(() => new Intl.DateTimeFormat(locale)).not.toThrow();
  });
});

describe("withLocaleFallback", () => {
  it("builds formatters with the fallback when the asked locale is rejected", async () => {
    const { withLocaleFallback } = await import("./intlGuard");
    let calls = 0;
    // A stand-in for a runtime whose default locale is "C".
    const Strict = function (this: unknown, locale?: string, options?: Intl.NumberFormatOptions) {
      calls++;
      if (locale === undefined || locale === "C") throw new RangeError("invalid language tag: C");
      return new Intl.NumberFormat(locale, options);
    } as unknown as typeof Intl.NumberFormat;
    const Guarded = withLocaleFallback(Strict, "en-US");
    expect(new Guarded("C").format(1234.5)).toBe("1,234.5");
    expect(new Guarded(undefined, { maximumFractionDigits: 0 }).format(2.6)).toBe("3");
    expect(calls).toBe(4);
    // Other errors still surface.
    const Broken = function () {
      throw new TypeError("boom");
    } as unknown as typeof Intl.NumberFormat;
    expect(() => new (withLocaleFallback(Broken, "en-US"))()).toThrow(TypeError);
  });
});
