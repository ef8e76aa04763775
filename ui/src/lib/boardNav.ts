/**
 * Keyboard movement on the Today board: columns (doctors) of cards (appointments) of different lengths.
 * Pure so it can be tested without a DOM.
 */
export interface BoardPos {
  col: number;
  row: number;
}

export type BoardKey = "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" | "Home" | "End";

/**
 * Next focus for a key, given the number of cards in each column.
 * Up/down stay in the column (clamped, no wrap). Left/right jump to the nearest column that has cards,
 * keeping the row when it exists there, otherwise that column's last card. Empty columns are skipped.
 * Returns null when the board has no cards at all.
 */
export function nextBoardFocus(lengths: number[], pos: BoardPos | null, key: BoardKey): BoardPos | null {
  const firstCol = lengths.findIndex((n) => n > 0);
  if (firstCol < 0) return null;
  if (!pos || pos.col < 0 || pos.col >= lengths.length || lengths[pos.col] === 0) return { col: firstCol, row: 0 };
  const { col } = pos;
  const row = Math.min(Math.max(pos.row, 0), lengths[col] - 1);
  switch (key) {
    case "ArrowUp":
      return { col, row: Math.max(0, row - 1) };
    case "ArrowDown":
      return { col, row: Math.min(lengths[col] - 1, row + 1) };
    case "Home":
      return { col, row: 0 };
    case "End":
      return { col, row: lengths[col] - 1 };
    case "ArrowLeft":
    case "ArrowRight": {
      const step = key === "ArrowLeft" ? -1 : 1;
      for (let c = col + step; c >= 0 && c < lengths.length; c += step) {
        if (lengths[c] > 0) return { col: c, row: Math.min(row, lengths[c] - 1) };
      }
      return { col, row };
    }
  }
}
