// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { StatsSample } from "../../api/types";
import { theme } from "../../theme";
import { CurrentStats } from "./StatsTab";

const HOST = 25_300_000_000;
const sample: StatsSample = {
  ts: 1000,
  cpuPercent: 49,
  memoryUsed: 2_360_000,
  memoryLimit: HOST,
  memoryPercent: 0.01,
  netRxRate: 0,
  netTxRate: 0,
  blockReadRate: 0,
  blockWriteRate: 0,
  pids: 1,
  netRxBytes: 0,
  netTxBytes: 0,
  blockReadBytes: 0,
  blockWriteBytes: 0,
};

const wrap = (ui: React.ReactElement) => render(<MantineProvider theme={theme}>{ui}</MantineProvider>);

describe("CurrentStats", () => {
  it("sets CPU and memory against the container's own limits", () => {
    wrap(
      <CurrentStats
        sample={{ ...sample, memoryLimit: 64_000_000, memoryPercent: 3.7 }}
        now={1000}
        limits={{ cpus: 0.5, memoryBytes: 64_000_000 }}
      />,
    );
    expect(screen.getByText("0.49 of 0.5 cores allowed")).toBeInTheDocument();
    expect(screen.getByTestId("stat-memory")).toHaveTextContent("2.36 MB / 64 MB");
    expect(screen.getByText("3.7% of its limit")).toBeInTheDocument();
  });

  it("does not pass the host's memory off as a limit", () => {
    wrap(<CurrentStats sample={sample} now={1000} limits={{ cpus: null, memoryBytes: null }} />);
    expect(screen.getByTestId("stat-memory")).toHaveTextContent(/^2\.36 MB$/);
    expect(screen.getByText("No limit · the host has 25.3 GB")).toBeInTheDocument();
    expect(screen.getByText("0.49 cores")).toBeInTheDocument();
  });

  it("shows what the engine reports until the limits are known", () => {
    wrap(<CurrentStats sample={sample} now={1000} />);
    expect(screen.getByTestId("stat-memory")).toHaveTextContent("2.36 MB / 25.3 GB");
  });
});
