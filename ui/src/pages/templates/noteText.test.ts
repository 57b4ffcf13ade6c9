import { describe, expect, it } from "vitest";
import { decodeEntities, noteToText } from "./noteText";

describe("template notes as text", () => {
  it("keeps plain text as it is", () => {
    expect(noteToText("Change the password after the first login.")).toBe("Change the password after the first login.");
    expect(noteToText(null)).toBe("");
  });

  it("drops tags, turns breaks and paragraphs into lines, and keeps link addresses", () => {
    expect(noteToText("<p>First <b>bold</b> line</p><p>Second<br/>third</p>")).toBe("First bold line\nSecond\nthird");
    expect(noteToText('See <a href="https://example.com/docs" target="_blank">the docs</a>.')).toBe(
      "See the docs (https://example.com/docs).",
    );
    expect(noteToText("<ul><li>one</li><li>two</li></ul>")).toBe("• one\n• two");
  });

  it("decodes the basic entities once", () => {
    expect(decodeEntities("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; f&nbsp;g")).toBe("a & b <c> \"d\" 'e' f\u00a0g");
    expect(decodeEntities("&amp;lt;")).toBe("&lt;");
    expect(noteToText("Use &lt;b&gt; for bold")).toBe("Use <b> for bold");
  });

  it("turns script and event-handler payloads into harmless text", () => {
    expect(noteToText('Hi<script>alert("x")</script> there')).toBe("Hi there");
    expect(noteToText("<img src=x onerror=alert(1)>Logo")).toBe("Logo");
    expect(noteToText("<svg/onload=alert(1)>")).toBe("");
    expect(noteToText('<a href="javascript:alert(1)">click</a>')).toBe("click");
    // Encoded markup stays text: React renders it as characters, never as elements.
    expect(noteToText("&lt;script&gt;alert(1)&lt;/script&gt;")).toBe("<script>alert(1)</script>");
    expect(noteToText("<scr<script>ipt>alert(1)</script>")).not.toMatch(/<script/i);
  });
});
