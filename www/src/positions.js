// The engine counts columns in Unicode characters (code points), 1-based; the editor
// counts offsets in UTF-16 units. These convert between the two.

/** The UTF-16 offset within `lineText` of the 1-based character column `column`. */
export function columnToOffset(lineText, column) {
  let offset = 0;
  for (let n = column - 1; n > 0 && offset < lineText.length; n--) {
    offset += lineText.codePointAt(offset) > 0xffff ? 2 : 1;
  }
  return offset;
}

/** The document position of an engine `line` and `column` (both 1-based). */
export function positionOf(doc, line, column) {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return l.from + columnToOffset(l.text, Math.max(column, 1));
}
