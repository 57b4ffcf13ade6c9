import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { timeTick, type ChartColors } from "./chartTheme";

/** One drawn series. Band edges are invisible lines a band is filled between. */
export interface PlotLine {
  label: string;
  stroke: string;
  /** Area under the line, or undefined for none. */
  fill?: string;
  bandEdge?: boolean;
  /** Drawn dashed and thin, without dots: a fixed level such as a limit. */
  dashed?: boolean;
}

/** A fill between two series, by their index in `data` (1 = the first series). */
export interface PlotBand {
  upper: number;
  lower: number;
  fill: string;
}

export interface UPlotChartProps {
  /** `[x, ...series]`, x in Unix seconds; `null` is a gap. */
  data: uPlot.AlignedData;
  lines: PlotLine[];
  bands: PlotBand[];
  height: number;
  /** The time window shown, whatever the data covers (so a gap at either end shows as one). */
  xRange: [number, number] | null;
  /** The y axis goes at least this high (e.g. 100 for a percent of a limit). */
  ySoftMax?: number;
  yAxisSize: number;
  formatY: (value: number) => string;
  colors: ChartColors;
  /** Hovered data index, or null when the pointer leaves. */
  onCursor: (index: number | null) => void;
}

/** The marker uPlot puts on each hovered series; none for band edges. */
function cursorPoint(u: uPlot, seriesIndex: number): HTMLElement | undefined {
  const s = u.series[seriesIndex] as uPlot.Series & { _bandEdge?: boolean };
  if (s._bandEdge) return undefined;
  const el = document.createElement("div");
  const size = 7;
  el.style.width = `${size}px`;
  el.style.height = `${size}px`;
  el.style.marginLeft = `${-size / 2}px`;
  el.style.marginTop = `${-size / 2}px`;
  el.style.borderWidth = "2px";
  return el;
}

/**
 * A uPlot time chart: canvas drawing only (legend and states are the caller's). Rebuilt when
 * its look changes (series, colours, height), fed new data in place otherwise, and resized with
 * its container.
 */
export function UPlotChart(props: UPlotChartProps) {
  const { data, lines, bands, height, colors, ySoftMax, yAxisSize } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;

  const look = JSON.stringify({ lines, bands, height, colors, ySoftMax, yAxisSize });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const { lines, bands, height, colors, ySoftMax, yAxisSize } = latest.current;
    const axis: uPlot.Axis = {
      stroke: colors.axis,
      font: colors.font,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1, size: 4 },
    };
    const opts: uPlot.Options = {
      width: Math.max(host.clientWidth, 120),
      height,
      legend: { show: false },
      cursor: {
        drag: { x: false, y: false, setScale: false },
        points: { show: cursorPoint as (u: uPlot, seriesIndex: number) => HTMLElement },
      },
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => {
            const window = latest.current.xRange;
            if (window) return window;
            if (min == null || max == null) {
              const now = Date.now() / 1000;
              return [now - 3600, now];
            }
            return min === max ? [min - 60, max + 60] : [min, max];
          },
        },
        y: {
          range: (_u, _min, max) => {
            const top = max != null && Number.isFinite(max) && max > 0 ? max * 1.08 : 1;
            return [0, Math.max(top, ySoftMax ?? 0)];
          },
        },
      },
      axes: [
        {
          ...axis,
          size: 28,
          // Room per label, by how long the labels are at this span.
          space: (_u, _axis, min, max) => {
            const span = max - min;
            return span <= 600 ? 84 : span <= 2 * 86_400 ? 64 : 92;
          },
          values: (u, splits) => {
            const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
            return splits.map((v) => (v == null ? "" : timeTick(v, span)));
          },
        },
        {
          ...axis,
          size: yAxisSize,
          values: (_u, splits) => splits.map((v) => (v == null ? "" : latest.current.formatY(v))),
        },
      ],
      series: [
        {},
        ...lines.map((line): uPlot.Series => {
          const s: uPlot.Series & { _bandEdge?: boolean } = {
            label: line.label,
            stroke: line.stroke,
            width: line.bandEdge ? 0 : line.dashed ? 1 : 1.5,
            fill: line.fill,
            spanGaps: false,
            ...(line.dashed ? { dash: [6, 4] } : {}),
            // Dots where samples are sparse (a fresh install, a long range): a lone sample
            // between gaps is no line at all. uPlot's own density rule decides.
            ...(line.bandEdge || line.dashed ? { points: { show: false } } : { points: { size: 4 } }),
          };
          if (line.bandEdge) s._bandEdge = true;
          return s;
        }),
      ],
      bands: bands.map((b) => ({ series: [b.upper, b.lower], fill: b.fill })),
      hooks: {
        setCursor: [(u) => latest.current.onCursor(u.cursor.idx ?? null)],
      },
    };

    let plot: uPlot;
    try {
      plot = new uPlot(opts, latest.current.data, host);
    } catch (e) {
      // No 2D canvas (e.g. a test DOM): leave the frame empty rather than break the page.
      console.warn("Squirrel: cannot draw a chart.", e);
      return;
    }
    plotRef.current = plot;

    const resize = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: latest.current.height });
    });
    resize.observe(host);

    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [look]);

  const [from, to] = props.xRange ?? [null, null];
  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data, from, to]);

  return <div ref={hostRef} style={{ width: "100%", height, overflow: "hidden" }} />;
}
