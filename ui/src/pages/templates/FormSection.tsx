// Layout pieces the deploy wizard and the template editor share.
import { Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";

/** A titled group of fields, as the device wizard draws them. */
export function FormSection({ title, hint, children }: { title: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Stack gap={2}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase" style={{ letterSpacing: "0.04em" }}>
          {title}
        </Text>
        {hint ? (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        ) : null}
      </Stack>
      {children}
    </Stack>
  );
}

/** Styles for an input whose value is code (an image, a command, a name): monospace value, normal label. */
export const MONO_INPUT = { input: { fontFamily: "var(--mantine-font-family-monospace)" } } as const;

/**
 * A dialog as tall as the window allows, whatever its step shows: the body is a column
 * whose middle scrolls while the footer stays put.
 */
export const FULL_HEIGHT = {
  content: { display: "flex", flexDirection: "column", height: "calc(100dvh - 2 * var(--modal-y-offset))" },
  body: { flex: 1, minHeight: 0, display: "flex", flexDirection: "column", padding: 0 },
} as const;
