// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { theme } from "../../theme";
import { TimeChart, type ChartLine } from "./TimeChart";
import type { UPlotChartProps } from "./UPlotChart";

// jsdom has no canvas: record what the chart would draw instead.
const drawn: UPlotChartProps[] = [];
vi.mock("./UPlotChart", () => ({
  UPlotChart: (props: UPlotChartProps) => {
    drawn.push(props);
    return null;
  },
}));

const wrap = (ui: React.ReactElement) => render(<MantineProvider theme={theme}>{ui}</MantineProvider>);

describe("TimeChart", () => {
  it("counts the plotted points, passes bands as extra series and shows the latest values", () => {
    const lines: ChartLine[] = [
      { label: "CPU avg", color: "indigo", values: [10, null, 250], band: { lower: [5, null, 200], upper: [20, null, 300] } },
    ];
    wrap(<TimeChart testId="c" title="CPU" unit="percent" x={[0, 5, 10]} lines={lines} xRange={[0, 20]} />);
    const chart = screen.getByTestId("c");
    expect(chart).toHaveAttribute("data-points", "2");
    expect(chart).toHaveTextContent("CPU avg");
    expect(chart).toHaveTextContent("250%");
    expect(screen.getByRole("img")).toHaveAttribute("aria-label", "CPU: CPU avg 250%");
    const props = drawn.at(-1)!;
    expect(props.data).toEqual([
      [0, 5, 10],
      [10, null, 250],
      [20, null, 300],
      [5, null, 200],
    ]);
    expect(props.bands).toEqual([expect.objectContaining({ upper: 2, lower: 3 })]);
    expect(props.lines.map((l) => l.bandEdge ?? false)).toEqual([false, true, true]);
    expect(props.xRange).toEqual([0, 20]);
    expect(props.formatY(1_500_000)).toBe("1500000%");
  });

  it("draws a limit dashed without counting it as data", () => {
    const lines: ChartLine[] = [
      { label: "Used", color: "teal", values: [null, 5_000_000] },
      { label: "Limit", color: "red", values: [64_000_000, 64_000_000], reference: true },
    ];
    wrap(<TimeChart testId="mem" title="Memory" unit="bytes" x={[0, 10]} lines={lines} />);
    expect(screen.getByTestId("mem")).toHaveAttribute("data-points", "1");
    expect(screen.getByTestId("mem")).toHaveTextContent("64 MB");
    expect(drawn.at(-1)!.lines.map((l) => l.dashed ?? false)).toEqual([false, true]);

    // A limit alone is no data: the chart still says it is empty.
    wrap(
      <TimeChart
        testId="empty"
        title="Memory"
        unit="bytes"
        x={[0]}
        lines={[{ label: "Limit", color: "red", values: [64_000_000], reference: true }]}
        emptyText="No samples."
      />,
    );
    expect(screen.getByTestId("empty")).toHaveAttribute("data-points", "0");
    expect(screen.getByTestId("empty")).toHaveTextContent("No samples.");
  });

  it("formats in the chart's unit", () => {
    wrap(
      <TimeChart
        testId="net"
        title="Network"
        unit="rate"
        x={[0]}
        lines={[
          { label: "Received", color: "cyan", values: [1_234_567] },
          { label: "Sent", color: "grape", values: [null] },
        ]}
      />,
    );
    expect(screen.getByTestId("net")).toHaveTextContent("1.23 MB/s");
    expect(screen.getByTestId("net")).toHaveTextContent("—");
    expect(drawn.at(-1)!.formatY(2000)).toBe("2 kB/s");
  });

  it("keeps its frame while loading, empty or failed", () => {
    const { rerender } = wrap(<TimeChart testId="m" title="Memory" unit="bytes" x={[]} lines={[]} loading />);
    expect(screen.getByTestId("m")).toHaveAttribute("data-points", "0");
    expect(screen.getByTestId("m")).toHaveAttribute("data-loading", "true");
    expect(screen.getByTestId("chart-loading")).toBeInTheDocument();

    rerender(
      <MantineProvider theme={theme}>
        <TimeChart testId="m" title="Memory" unit="bytes" x={[]} lines={[]} emptyText="Nothing yet." />
      </MantineProvider>,
    );
    expect(screen.getByTestId("chart-empty")).toHaveTextContent("Nothing yet.");
    expect(screen.getByTestId("m")).not.toHaveAttribute("data-loading");

    rerender(
      <MantineProvider theme={theme}>
        <TimeChart testId="m" title="Memory" unit="bytes" x={[]} lines={[]} error={new Error("Disk full.")} />
      </MantineProvider>,
    );
    expect(screen.getByTestId("m")).toHaveTextContent("Disk full.");
  });
});
