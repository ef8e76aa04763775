// @vitest-environment node
/// <reference types="node" />
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TLS_WARNING } from "../tls";

/** A Rust `&str` literal's value: `\` + newline + indentation is a line continuation; `\"` and `\\` are escapes. */
function rustString(literal: string): string {
  return literal.replace(/\\\n\s*/g, "").replace(/\\(["\\])/g, "$1");
}

describe("TLS_WARNING", () => {
  it("is the Rust twin's sentence (src-tauri/core/src/config.rs), word for word", () => {
    const source = readFileSync(fileURLToPath(new URL("../../../../src-tauri/core/src/config.rs", import.meta.url)), "utf8");
    const m = /pub const TLS_WARNING: &str =\s*"((?:[^"\\]|\\[\s\S])*)";/.exec(source);
    expect(m, "TLS_WARNING not found in config.rs").not.toBeNull();
    expect(TLS_WARNING).toBe(rustString(m![1]));
  });
});

describe("tlsWarning", () => {
  it("is the English sentence in English and a translation in Spanish", async () => {
    const { tlsWarning } = await import("../tls");
    const { applyLocale, DEFAULT_LOCALE } = await import("../../i18n/format");
    expect(tlsWarning()).toBe(TLS_WARNING);
    applyLocale({ language: "es" });
    expect(tlsWarning()).toMatch(/^Sin verificar: cualquier equipo/);
    applyLocale(DEFAULT_LOCALE);
  });
});
