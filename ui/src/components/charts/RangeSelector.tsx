import { Button } from "@mantine/core";
import { RANGES, type RangeKey } from "../../lib/statsRange";

/** 1h / 24h / 7d / 30d, as toggle buttons (`range-1h`, …; the chosen one has `aria-pressed`). */
export function RangeSelector({
  value,
  onChange,
  label = "Time range",
}: {
  value: RangeKey;
  onChange: (range: RangeKey) => void;
  label?: string;
}) {
  return (
    <Button.Group aria-label={label}>
      {RANGES.map((r) => {
        const active = r.key === value;
        return (
          <Button
            key={r.key}
            size="compact-xs"
            px={8}
            variant={active ? "filled" : "default"}
            aria-pressed={active}
            title={r.title}
            data-active={active || undefined}
            data-testid={`range-${r.key}`}
            onClick={() => onChange(r.key)}
          >
            {r.label}
          </Button>
        );
      })}
    </Button.Group>
  );
}
