// @vitest-environment jsdom
import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { MASK } from "../../lib/secretEnv";
import { renderWithProviders } from "../../test/render";
import { EnvSection } from "./DetailSections";

const XSS = "<img src=x onerror=alert(1)>";

function rows() {
  return screen.getAllByRole("row").slice(1);
}

function valueOf(name: string): HTMLElement {
  const row = rows().find((r) => within(r).getByTestId("env-name").textContent === name);
  if (!row) throw new Error(`no row for ${name}`);
  return within(row).getByTestId("env-value");
}

describe("EnvSection", () => {
  const env = [
    { name: "GREETING", value: "hello" },
    { name: "DB_PASSWORD", value: "hunter2" },
    { name: "api_token", value: XSS },
  ];

  it("masks values whose names look secret, and only those", () => {
    renderWithProviders(<EnvSection env={env} />);
    expect(valueOf("GREETING").textContent).toBe("hello");
    expect(valueOf("DB_PASSWORD").textContent).toBe(MASK);
    expect(valueOf("api_token").textContent).toBe(MASK);
    expect(document.body.textContent).not.toContain("hunter2");
    expect(screen.getAllByRole("button", { name: /^Show the value of/ })).toHaveLength(2);
  });

  it("reveals one value at a time with a labelled button, as text", () => {
    renderWithProviders(<EnvSection env={env} />);
    const reveal = screen.getByRole("button", { name: "Show the value of DB_PASSWORD" });
    // A real button: focusable and pressed with Enter or Space.
    expect(reveal.tagName).toBe("BUTTON");
    expect(reveal).toHaveAttribute("aria-pressed", "false");
    fireEvent.click(reveal);
    expect(valueOf("DB_PASSWORD").textContent).toBe("hunter2");
    expect(valueOf("api_token").textContent).toBe(MASK);
    const hide = screen.getByRole("button", { name: "Hide the value of DB_PASSWORD" });
    expect(hide).toHaveAttribute("aria-pressed", "true");

    fireEvent.click(screen.getByRole("button", { name: "Show the value of api_token" }));
    expect(valueOf("api_token").textContent).toBe(XSS);
    expect(document.querySelector("img")).toBeNull();

    fireEvent.click(hide);
    expect(valueOf("DB_PASSWORD").textContent).toBe(MASK);
  });
});
