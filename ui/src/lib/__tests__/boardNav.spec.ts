import { describe, expect, it } from "vitest";
import { nextBoardFocus } from "../boardNav";

// Columns of 3, 0 (empty), 1 and 4 cards.
const ragged = [3, 0, 1, 4];

describe("nextBoardFocus", () => {
  it("starts on the first card of the first non-empty column", () => {
    expect(nextBoardFocus(ragged, null, "ArrowDown")).toEqual({ col: 0, row: 0 });
    expect(nextBoardFocus([0, 0, 2], null, "ArrowRight")).toEqual({ col: 2, row: 0 });
    expect(nextBoardFocus([0, 0], null, "ArrowRight")).toBeNull();
    expect(nextBoardFocus([], null, "ArrowRight")).toBeNull();
  });

  it("moves up and down within a column and stops at the ends", () => {
    expect(nextBoardFocus(ragged, { col: 0, row: 0 }, "ArrowDown")).toEqual({ col: 0, row: 1 });
    expect(nextBoardFocus(ragged, { col: 0, row: 2 }, "ArrowDown")).toEqual({ col: 0, row: 2 });
    expect(nextBoardFocus(ragged, { col: 0, row: 0 }, "ArrowUp")).toEqual({ col: 0, row: 0 });
    expect(nextBoardFocus(ragged, { col: 3, row: 3 }, "ArrowUp")).toEqual({ col: 3, row: 2 });
    expect(nextBoardFocus(ragged, { col: 3, row: 1 }, "End")).toEqual({ col: 3, row: 3 });
    expect(nextBoardFocus(ragged, { col: 3, row: 3 }, "Home")).toEqual({ col: 3, row: 0 });
  });

  it("skips empty columns and clamps the row in shorter columns", () => {
    expect(nextBoardFocus(ragged, { col: 0, row: 2 }, "ArrowRight")).toEqual({ col: 2, row: 0 });
    expect(nextBoardFocus(ragged, { col: 2, row: 0 }, "ArrowRight")).toEqual({ col: 3, row: 0 });
    expect(nextBoardFocus(ragged, { col: 3, row: 3 }, "ArrowLeft")).toEqual({ col: 2, row: 0 });
    expect(nextBoardFocus(ragged, { col: 2, row: 0 }, "ArrowLeft")).toEqual({ col: 0, row: 0 });
    expect(nextBoardFocus([3, 0, 4], { col: 2, row: 3 }, "ArrowLeft")).toEqual({ col: 0, row: 2 });
    expect(nextBoardFocus([3, 0, 4], { col: 0, row: 1 }, "ArrowRight")).toEqual({ col: 2, row: 1 });
  });

  it("stays put at the outer edges", () => {
    expect(nextBoardFocus(ragged, { col: 0, row: 1 }, "ArrowLeft")).toEqual({ col: 0, row: 1 });
    expect(nextBoardFocus(ragged, { col: 3, row: 2 }, "ArrowRight")).toEqual({ col: 3, row: 2 });
    expect(nextBoardFocus([2, 0, 0], { col: 0, row: 1 }, "ArrowRight")).toEqual({ col: 0, row: 1 });
  });

  it("recovers when the board shrank under the focus (after a refresh)", () => {
    expect(nextBoardFocus([2, 1], { col: 0, row: 5 }, "ArrowUp")).toEqual({ col: 0, row: 0 });
    expect(nextBoardFocus([2, 1], { col: 0, row: 5 }, "ArrowDown")).toEqual({ col: 0, row: 1 });
    expect(nextBoardFocus([2, 0], { col: 1, row: 0 }, "ArrowDown")).toEqual({ col: 0, row: 0 });
    expect(nextBoardFocus([2], { col: 4, row: 0 }, "ArrowDown")).toEqual({ col: 0, row: 0 });
  });
});
