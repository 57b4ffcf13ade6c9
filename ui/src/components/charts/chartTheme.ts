import { LOCALE } from "../../lib/intl";
import { rgba, useComputedColorScheme, useMantineTheme, type MantineColor } from "@mantine/core";
import { useMemo } from "react";
import { formatBytes, formatPercent, formatRate } from "../../lib/format";

/** What a chart's values measure; decides the axis and legend formatting. */
export type ChartUnit = "percent" | "bytes" | "rate" | "count";

export function formatValue(unit: ChartUnit, value: number | null | undefined): string {
  switch (unit) {
    case "percent":
      return formatPercent(value);
    case "bytes":
      return formatBytes(value);
    case "rate":
      return formatRate(value);
    case "count":
      return value == null || !Number.isFinite(value) ? "—" : String(Math.round(value));
  }
}

/**
 * The least top of a y axis, per unit: a container at 0.01 % or a few bytes per second
 * would otherwise get ticks too fine for the labels to tell apart ("0%, 0%, 0%").
 */
export const Y_FLOOR: Record<ChartUnit, number> = { percent: 1, bytes: 1_000_000, rate: 1000, count: 1 };

/** Room for the y-axis labels, per unit, so the plot does not shift as values change. */
export const Y_AXIS_SIZE: Record<ChartUnit, number> = { percent: 52, bytes: 62, rate: 76, count: 40 };

/** Colours a canvas needs as strings, from the Mantine theme and the current colour scheme. */
export interface ChartColors {
  scheme: "light" | "dark";
  axis: string;
  grid: string;
  font: string;
}

export interface ChartTheme extends ChartColors {
  /** A Mantine palette colour as a CSS colour, in the shade that reads well on this scheme. */
  color: (name: MantineColor) => string;
  /** The same colour, translucent: for areas and min–max bands. */
  wash: (name: MantineColor, alpha?: number) => string;
}

export function useChartTheme(): ChartTheme {
  const theme = useMantineTheme();
  const scheme = useComputedColorScheme("light", { getInitialValueInEffect: false });
  return useMemo(() => {
    const dark = scheme === "dark";
    const color = (name: MantineColor) => (theme.colors[name] ?? theme.colors.blue)[dark ? 4 : 6];
    return {
      scheme,
      axis: dark ? theme.colors.dark[1] : theme.colors.gray[7],
      grid: dark ? theme.colors.dark[5] : theme.colors.gray[2],
      font: `11px ${theme.fontFamily ?? "sans-serif"}`,
      color,
      wash: (name, alpha = dark ? 0.22 : 0.16) => rgba(color(name), alpha),
    };
  }, [theme, scheme]);
}

const TIME_SECONDS = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const TIME_MINUTES = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric" });
const DAY_TIME = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/**
 * One-line time-axis labels, as precise as the visible span needs: seconds for the live
 * window, hours and minutes up to two days, then dates (with the time when not at midnight).
 */
export function timeTick(unixSeconds: number, spanSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  if (spanSeconds <= 600) return TIME_SECONDS.format(date);
  if (spanSeconds <= 2 * 86_400) return TIME_MINUTES.format(date);
  const midnight = date.getHours() === 0 && date.getMinutes() === 0;
  return midnight ? DAY.format(date) : DAY_TIME.format(date);
}
