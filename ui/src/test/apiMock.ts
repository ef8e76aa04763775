/**
 * Shared stub of the api layer for specs. Use inside a hoisted mock factory:
 *
 *   vi.mock("../../api", async (importOriginal) =>
 *     (await import("../../test/apiMock")).mockApiModule(importOriginal, ["signIn", "appStatus"]));
 *
 * The real module is kept (ApiError, errorMessage, types); only `api` is replaced by `vi.fn()` stubs for the named
 * methods, plus any prepared `overrides`. Must not import "../api" at runtime (it is the module being mocked).
 */
import { vi, type Mock } from "vitest";

export async function mockApiModule(importOriginal: () => Promise<unknown>, methods: string[], overrides: Record<string, unknown> = {}) {
  const actual = (await importOriginal()) as typeof import("../api");
  return { ...actual, api: { ...Object.fromEntries(methods.map((name) => [name, vi.fn()])), ...overrides } };
}

/** The mocked `api` object, typed for `.mockResolvedValue` & co. */
export const apiMocks = (api: unknown) => api as Record<string, Mock>;
