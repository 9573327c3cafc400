import { useEffect, useId, useMemo, useState } from "preact/hooks";
import { api, must, type ScanDay, type Schemas } from "../api";
import { SOURCES } from "../lib/contacts";
import { formatDay, plural } from "../lib/format";
import { useLoad } from "../lib/hooks";
import {
  type DayRange,
  DEFAULT_PRESET,
  daysIn,
  PRESETS,
  type RangeChoice,
  rangeFromSearch,
  rangeOf,
  rangeProblem,
  rangeToSearch,
} from "../lib/range";
import { replaceSearch } from "../lib/router";
import { DailyBarChart, type DailySeries } from "../ui/chart";
import { Empty, ErrorNote, Loading } from "../ui/feedback";
import { SelectField, TextField } from "../ui/fields";

type Stats = Schemas["ProfileStats"];
type ScanSource = "qr_scan" | "web" | "mcp";

const SCAN_SOURCES: Record<ScanSource, string> = { qr_scan: "QR scan", web: "Card page", mcp: "AI assistant (MCP)" };
const DEVICES: Record<keyof Stats["by_device"], string> = {
  mobile: "Phone",
  tablet: "Tablet",
  desktop: "Computer",
  other: "Other or unknown",
};
/** Bars of the scans per day, bottom up: colours apart for every kind of colour vision, and 3:1 against white. */
const SOURCE_COLORS: Record<ScanSource, string> = { qr_scan: "#1d4ed8", web: "#c2410c", mcp: "#0f766e" };
const LEAD_COLOR = "#15803d";

const regionNames = new Intl.DisplayNames(undefined, { type: "region" });
/** A country's name from its ISO 3166-1 code; `XX` is unknown. */
const countryName = (code: string) => (code === "XX" ? "Unknown" : (regionNames.of(code) ?? code));
const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((100 * part) / whole));
const sum = (days: readonly ScanDay[], field: keyof Omit<ScanDay, "date">) => days.reduce((n, d) => n + d[field], 0);
const describeRange = ({ from, to }: DayRange) => (from === to ? `on ${formatDay(from)}` : `from ${formatDay(from)} to ${formatDay(to)}`);

interface Share {
  key: string;
  label: string;
  count: number;
}

function CountsTable({
  caption,
  counts,
  labels,
  heading,
}: {
  caption: string;
  counts: Record<string, number>;
  labels: Record<string, string>;
  heading: string;
}) {
  return (
    <table class="counts">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{heading}</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(labels).map(([key, label]) => (
          <tr key={key}>
            <th scope="row">{label}</th>
            <td>{(counts[key] ?? 0).toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The range's scans split one way (by country, by device): a table with each part's count and share,
 * a bar for the eye, and a sentence saying which part leads, for those who skip the table.
 */
function ShareTable({ title, heading, shares, total }: { title: string; heading: string; shares: readonly Share[]; total: number }) {
  const summaryId = useId();
  const top = shares.reduce<Share | undefined>((best, s) => (s.count > (best?.count ?? 0) ? s : best), undefined);
  if (!top) {
    return (
      <div class="share">
        <h3 class="share-title">{title}</h3>
        <p class="muted">No scan in this range.</p>
      </div>
    );
  }
  return (
    <div class="share">
      <table class="counts share-table" aria-describedby={summaryId}>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{heading}</th>
            <th scope="col">Scans</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {shares.map((s) => (
            <tr key={s.key}>
              <th scope="row">{s.label}</th>
              <td>{s.count.toLocaleString()}</td>
              <td>
                <span class="share-cell">
                  <span class="share-bar" aria-hidden="true">
                    {/* Set through the style object (CSSOM), which the console's CSP allows, unlike a style attribute. */}
                    <span style={{ width: `${percent(s.count, total)}%` }} />
                  </span>
                  <span class="share-percent">{percent(s.count, total)}%</span>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted" id={summaryId}>
        Most scans: {top.label}, {top.count.toLocaleString()} of {total.toLocaleString()} ({percent(top.count, total)}%).
      </p>
    </div>
  );
}

/** The days' bars: scans stacked by source, and leads. */
function dailySeries(byDay: readonly ScanDay[]): { scans: DailySeries; leads: DailySeries } {
  const days = byDay.map((d) => d.date);
  return {
    scans: {
      days,
      label: "Scans",
      parts: (Object.keys(SCAN_SOURCES) as ScanSource[]).map((source) => ({
        label: SCAN_SOURCES[source],
        counts: byDay.map((d) => d[source]),
        color: SOURCE_COLORS[source],
      })),
    },
    leads: { days, label: "Leads", parts: [{ label: "Leads", counts: byDay.map((d) => d.leads), color: LEAD_COLOR }] },
  };
}

/** The card's counts for the range: scans per day by source, leads per day, by country and by device. */
function CardStats({ stats, range }: { stats: Stats; range: DayRange }) {
  const charts = useMemo(() => dailySeries(stats.by_day), [stats.by_day]);
  const { by_day, by_country, by_device, total, leads } = stats;
  const when = describeRange(range);
  const scanned = sum(by_day, "total");
  const perSource = (Object.keys(SCAN_SOURCES) as ScanSource[])
    .map((source) => `${SCAN_SOURCES[source]} ${sum(by_day, source).toLocaleString()}`)
    .join(", ");
  const countries = Object.entries(by_country).map(([code, count]) => ({ key: code, label: countryName(code), count }));
  const devices = Object.entries(DEVICES).map(([key, label]) => ({ key, label, count: by_device[key as keyof typeof DEVICES] }));
  return (
    <>
      <section aria-labelledby="scans-title" class="card-box">
        <h2 id="scans-title">Scans per day</h2>
        <DailyBarChart
          series={charts.scans}
          summary={`${plural(scanned, "scan")} ${when} (${perSource}); ${plural(total, "scan")} in all.`}
        />
      </section>
      <section aria-labelledby="leads-title" class="card-box">
        <h2 id="leads-title">Leads per day</h2>
        <DailyBarChart
          series={charts.leads}
          summary={`${plural(sum(by_day, "leads"), "lead")} shared on the card's form ${when}; ${plural(leads, "lead")} in all.`}
        />
      </section>
      <section aria-labelledby="origin-title" class="card-box">
        <h2 id="origin-title">Where and on what</h2>
        <div class="tables">
          <ShareTable title={`Scans by country, ${plural(daysIn(range), "day")}`} heading="Country" shares={countries} total={scanned} />
          <ShareTable title={`Scans by device, ${plural(daysIn(range), "day")}`} heading="Device" shares={devices} total={scanned} />
        </div>
      </section>
    </>
  );
}

const PRESET_LABELS = Object.fromEntries(PRESETS.map((days) => [days, `Last ${days} days`])) as Record<(typeof PRESETS)[number], string>;

/**
 * The range: a preset in one press, or two days typed and checked as the API checks them (the
 * message tied to the field at fault) before they are shown.
 */
function RangeChooser({ choice, onChoose }: { choice: RangeChoice; onChoose: (choice: RangeChoice) => void }) {
  const [custom, setCustom] = useState("custom" in choice);
  const [draft, setDraft] = useState<DayRange>(() => rangeOf(choice));
  const [problem, setProblem] = useState(() => ("custom" in choice ? rangeProblem(choice.custom) : null));
  const name = useId();
  const pick = (value: string) => {
    if (value === "custom") {
      setDraft(rangeOf(choice));
      setCustom(true);
      return;
    }
    setCustom(false);
    setProblem(null);
    onChoose({ preset: Number(value) as (typeof PRESETS)[number] });
  };
  const show = (e: Event) => {
    e.preventDefault();
    const found = rangeProblem(draft);
    setProblem(found);
    if (!found) onChoose({ custom: draft });
  };
  const selected = custom ? "custom" : "preset" in choice ? String(choice.preset) : String(DEFAULT_PRESET);
  return (
    <div class="range">
      <fieldset class="segmented">
        <legend>Range (UTC days)</legend>
        {[...PRESETS.map((days) => [String(days), PRESET_LABELS[days]] as const), ["custom", "Custom"] as const].map(([value, label]) => (
          <label key={value}>
            <input type="radio" name={name} value={value} checked={selected === value} onChange={() => pick(value)} />
            {label}
          </label>
        ))}
      </fieldset>
      {custom && (
        <form class="range-form" onSubmit={show} aria-label="Custom range" noValidate>
          <TextField
            label="From"
            type="date"
            value={draft.from}
            onValue={(from) => setDraft((d) => ({ ...d, from }))}
            error={problem?.field === "from" ? problem.message : undefined}
          />
          <TextField
            label="To"
            type="date"
            value={draft.to}
            onValue={(to) => setDraft((d) => ({ ...d, to }))}
            error={problem?.field === "to" ? problem.message : undefined}
          />
          <button type="submit" class="button button-primary">
            Show
          </button>
        </form>
      )}
    </div>
  );
}

/** Which card and range the address names (`profile_id`, `days` or `from` and `to`), kept there as they change. */
function useAnalyticsAddress() {
  const [params] = useState(() => new URLSearchParams(location.search));
  const [profileId, setProfileId] = useState(params.get("profile_id") ?? "");
  const [choice, setChoice] = useState(() => rangeFromSearch(params));
  const address = new URLSearchParams({ ...(profileId ? { profile_id: profileId } : {}), ...rangeToSearch(choice) }).toString();
  useEffect(() => replaceSearch(address), [address]);
  return { profileId, setProfileId, choice, setChoice };
}

/** Analytics: a card's scans and leads per day for a chosen range, by country and device (uPlot), and the workspace's contacts by source. */
export function AnalyticsPage() {
  const profiles = useLoad(() => must(api.GET("/v1/profiles", { params: { query: { limit: 100 } } })), []);
  const sources = useLoad(() => must(api.GET("/v1/analytics/sources")), []);
  const { profileId, setProfileId, choice, setChoice } = useAnalyticsAddress();
  const list = profiles.data?.data ?? [];
  const profile = list.find((p) => p.id === profileId) ?? list[0];
  useEffect(() => {
    if (profile && profile.id !== profileId) setProfileId(profile.id);
  }, [profile, profileId, setProfileId]);
  const range = rangeOf(choice);
  const valid = rangeProblem(range) === null;
  // Each answer keeps the card and range it is for: until the next one arrives, the page shows what it says.
  const stats = useLoad(async () => {
    if (!profile || !valid) return null;
    const counts = await must(api.GET("/v1/profiles/{id}/stats", { params: { path: { id: profile.id }, query: range } }));
    return { counts, range, profile };
  }, [profile?.id, valid, range.from, range.to]);

  return (
    <section aria-labelledby="analytics-title">
      <div class="page-header">
        <h1 id="analytics-title">Analytics</h1>
      </div>
      <ErrorNote error={profiles.error ?? sources.error} />
      {profiles.loading && !profiles.data ? (
        <Loading />
      ) : !profile ? (
        <Empty>No card yet: scans are counted on a card's public page and QR code.</Empty>
      ) : (
        <>
          <div class="card-box analytics-controls">
            {list.length > 1 ? (
              <SelectField
                label="Card"
                value={profile.id}
                onValue={setProfileId}
                choices={list.map((p) => ({ value: p.id, label: `${p.name} (@${p.handle})` }))}
              />
            ) : (
              <p class="analytics-card">
                <span class="muted">Card</span> {profile.name} (@{profile.handle})
              </p>
            )}
            <RangeChooser choice={choice} onChoose={setChoice} />
          </div>
          {!valid ? (
            <p class="muted">Choose a range the form accepts to see this card's counts.</p>
          ) : stats.error ? (
            <ErrorNote error={stats.error} />
          ) : stats.data ? (
            <CardStats stats={stats.data.counts} range={stats.data.range} />
          ) : (
            <Loading />
          )}
        </>
      )}
      {sources.data && (
        <section aria-labelledby="sources-title" class="card-box">
          <h2 id="sources-title">All time, by source</h2>
          <div class="tables tables-3">
            {stats.data && (
              <CountsTable
                caption={`Scans of ${stats.data.profile.name} by source`}
                counts={stats.data.counts.by_source}
                labels={SCAN_SOURCES}
                heading="Source"
              />
            )}
            <CountsTable caption="Contacts by source" counts={sources.data.contacts} labels={SOURCES} heading="Source" />
            <CountsTable caption="Scans of all cards by source" counts={sources.data.scans} labels={SCAN_SOURCES} heading="Source" />
          </div>
        </section>
      )}
    </section>
  );
}
