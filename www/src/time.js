// The check's time: a date and a wall-clock time in a zone, as RFC 3339 with the
// zone's offset at that moment (from the browser's Intl, which knows every IANA zone).

/** The zone's offset from UTC at `ms`, in minutes. */
function offsetMinutes(zone, ms) {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(ms)
    .find((p) => p.type === "timeZoneName").value;
  const m = /GMT([+-])(\d{1,2}):?(\d{2})?/.exec(name);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
}

const pad = (n) => String(n).padStart(2, "0");

/** `2026-11-26`, `10:00`, `Europe/Berlin` → `2026-11-26T10:00:00+01:00`. */
export function zonedTime(date, time, zone) {
  const wall = Date.parse(`${date}T${time}:00Z`);
  if (Number.isNaN(wall)) throw new Error(`not a date and time: ${date} ${time}`);
  let offset = offsetMinutes(zone, wall);
  offset = offsetMinutes(zone, wall - offset * 60_000);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${date}T${time}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Every zone the browser knows, UTC first. */
export function zones() {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}
