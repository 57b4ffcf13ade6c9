import { Text, type TextProps } from "@mantine/core";
import type { ReactNode } from "react";

/** Monospace text that wraps anywhere: for ids, paths, env values, commands. Always plain text. */
export function Mono({ children, ...props }: TextProps & { children: ReactNode; title?: string; "data-testid"?: string }) {
  return (
    <Text ff="monospace" size="xs" className="sq-wrap" {...props}>
      {children}
    </Text>
  );
}
