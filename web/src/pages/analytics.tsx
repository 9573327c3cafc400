import { useEffect, useMemo, useState } from "preact/hooks";
import { api, must } from "../api";
import { SOURCES } from "../lib/contacts";
import { plural } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { DailyBarChart } from "../ui/chart";
import { Empty, ErrorNote, Loading } from "../ui/feedback";
import { SelectField } from "../ui/fields";

const SCAN_SOURCES = { qr_scan: "QR scan", web: "Card page", mcp: "AI assistant (MCP)" } as const;
const DEVICES = { mobile: "Phone", tablet: "Tablet", desktop: "Computer", other: "Other or unknown" } as const;
/** Bars of the scans per day, bottom up: colours apart for every kind of colour vision, and 3:1 against white. */
const SOURCE_COLORS = { qr_scan: "#1d4ed8", web: "#c2410c", mcp: "#0f766e" } as const;

const regionNames = new Intl.DisplayNames(undefined, { type: "region" });
/** A country's name from its ISO 3166-1 code; `XX` is unknown. */
const countryName = (code: string) => (code === "XX" ? "Unknown" : (regionNames.of(code) ?? code));

function CountsTable({
  caption,
  counts,
  labels,
  heading = "Source",
}: {
  caption: string;
  counts: Record<string, number>;
  labels: Record<string, string>;
  heading?: string;
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

function ProfileScans({ profileId }: { profileId: string }) {
  const stats = useLoad(() => must(api.GET("/v1/profiles/{id}/stats", { params: { path: { id: profileId } } })), [profileId]);
  const series = useMemo(
    () =>
      stats.data && {
        days: stats.data.by_day.map((d) => d.date),
        label: "Scans",
        parts: (["qr_scan", "web", "mcp"] as const).map((source) => ({
          label: SCAN_SOURCES[source],
          counts: stats.data!.by_day.map((d) => d[source]),
          color: SOURCE_COLORS[source],
        })),
      },
    [stats.data],
  );
  if (stats.error) return <ErrorNote error={stats.error} />;
  if (!stats.data || !series) return <Loading />;
  const { by_day, by_country, by_device, by_source, total } = stats.data;
  const last30 = by_day.reduce((n, d) => n + d.total, 0);
  const leads30 = by_day.reduce((n, d) => n + d.leads, 0);
  return (
    <>
      <DailyBarChart
        series={series}
        summary={`${plural(last30, "scan")} in the last 30 days, ${plural(total, "scan")} in all. ${plural(leads30, "lead")} shared in the last 30 days.`}
      />
      <div class="tables">
        <CountsTable caption="This card's scans by source" counts={by_source} labels={SCAN_SOURCES} />
        <CountsTable caption="Scans by device, last 30 days" counts={by_device} labels={DEVICES} heading="Device" />
        <CountsTable
          caption="Scans by country, last 30 days"
          counts={by_country}
          labels={Object.fromEntries(Object.keys(by_country).map((code) => [code, countryName(code)]))}
          heading="Country"
        />
      </div>
    </>
  );
}

/** Analytics: a card's scans per day by source (uPlot), by source, device and country, and the workspace's contacts by source. */
export function AnalyticsPage() {
  const profiles = useLoad(() => must(api.GET("/v1/profiles", { params: { query: { limit: 100 } } })), []);
  const sources = useLoad(() => must(api.GET("/v1/analytics/sources")), []);
  const [profileId, setProfileId] = useState("");
  const list = profiles.data?.data ?? [];
  useEffect(() => {
    if (!profileId && list[0]) setProfileId(list[0].id);
  }, [list, profileId]);

  return (
    <section aria-labelledby="analytics-title">
      <div class="page-header">
        <h1 id="analytics-title">Analytics</h1>
      </div>
      <ErrorNote error={profiles.error ?? sources.error} />
      <section aria-labelledby="scans-title" class="card-box">
        <h2 id="scans-title">Scans per day</h2>
        {profiles.loading && !profiles.data ? (
          <Loading />
        ) : list.length === 0 ? (
          <Empty>No card yet: scans are counted on a card's public page and QR code.</Empty>
        ) : (
          <>
            <SelectField
              label="Card"
              value={profileId}
              onValue={setProfileId}
              choices={list.map((p) => ({ value: p.id, label: `${p.name} (@${p.handle})` }))}
            />
            {profileId && <ProfileScans profileId={profileId} />}
          </>
        )}
      </section>
      {sources.data && (
        <section aria-labelledby="sources-title" class="card-box">
          <h2 id="sources-title">By source</h2>
          <div class="tables">
            <CountsTable caption="Contacts by source" counts={sources.data.contacts} labels={SOURCES} />
            <CountsTable caption="Scans of all cards by source" counts={sources.data.scans} labels={SCAN_SOURCES} />
          </div>
        </section>
      )}
    </section>
  );
}
