import { useEffect, useMemo, useState } from "preact/hooks";
import { api, must } from "../api";
import { SOURCES } from "../lib/contacts";
import { plural } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { DailyBarChart } from "../ui/chart";
import { Empty, ErrorNote, Loading } from "../ui/feedback";
import { SelectField } from "../ui/fields";

const SCAN_SOURCES = { qr_scan: "QR scan", web: "Card page", mcp: "AI assistant (MCP)" } as const;

function CountsTable({ caption, counts, labels }: { caption: string; counts: Record<string, number>; labels: Record<string, string> }) {
  return (
    <table class="counts">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Source</th>
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
    () => stats.data && { days: stats.data.by_day.map((d) => d.date), counts: stats.data.by_day.map((d) => d.count), label: "Scans" },
    [stats.data],
  );
  if (stats.error) return <ErrorNote error={stats.error} />;
  if (!stats.data || !series) return <Loading />;
  const last30 = series.counts.reduce((a, b) => a + b, 0);
  return (
    <>
      <DailyBarChart
        series={series}
        summary={`${plural(last30, "scan")} in the last 30 days, ${plural(stats.data.total, "scan")} in all.`}
      />
      <CountsTable caption="This card's scans by source" counts={stats.data.by_source} labels={SCAN_SOURCES} />
    </>
  );
}

/** Analytics: a card's scans per day (uPlot) and by source, and the workspace's contacts by source. */
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
