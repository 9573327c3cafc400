import type { Profile } from "../profiles/profiles.table";
import { Page } from "./layout";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A word's first letter as a reader sees it: "É" written as E and a combining accent stays whole. */
const firstLetter = (word: string) => graphemes.segment(word)[Symbol.iterator]().next().value?.segment ?? "";

/** The avatar's letters when there is no photo: the first and the last word's ("Ada King Lovelace" → "AL"). */
function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const picked = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
  return picked.map((word) => firstLetter(word).toUpperCase()).join("");
}

/** The public card: who this is, how to reach them, and a prominent "Save contact". */
export function CardPage(props: { profile: Profile; url: string; nonce: string }) {
  const { profile: p, url, nonce } = props;
  const role = [p.title, p.company].filter(Boolean).join(" · ");
  const description = [role, p.location].filter(Boolean).join(" — ") || `${p.name} on Cardbox`;
  const photo = p.photoUrl?.startsWith("https://") ? p.photoUrl : null;
  return (
    <Page
      title={`${p.name} — Cardbox`}
      nonce={nonce}
      head={
        <>
          <meta name="description" content={description} />
          <link rel="canonical" href={url} />
          <meta property="og:type" content="profile" />
          <meta property="og:title" content={p.name} />
          <meta property="og:description" content={description} />
          <meta property="og:url" content={url} />
          {photo && <meta property="og:image" content={photo} />}
          <meta name="twitter:card" content="summary" />
        </>
      }
    >
      <main>
        <article class="card" aria-labelledby="name">
          <div class="banner" aria-hidden="true"></div>
          <div class="avatar">
            {photo ? (
              // biome-ignore lint/a11y/noRedundantAlt: the image is the person's photo, and saying so tells a screen reader what it is.
              <img src={photo} alt={`Photo of ${p.name}`} />
            ) : (
              <span aria-hidden="true">{initials(p.name)}</span>
            )}
          </div>
          <div class="body">
            <h1 id="name">{p.name}</h1>
            {role && <p class="role">{role}</p>}
            {p.location && <p class="place">{p.location}</p>}
            {p.bio && <p class="bio">{p.bio}</p>}
            <a class="save" href={`/p/${p.handle}.vcf`} download={`${p.handle}.vcf`}>
              Save contact
            </a>
            {(p.email || p.phone || p.website) && (
              <ul class="links" aria-label="Contact details">
                {p.email && (
                  <li>
                    <a href={`mailto:${p.email}`}>
                      <span class="k">Email</span>
                      {p.email}
                    </a>
                  </li>
                )}
                {p.phone && (
                  <li>
                    <a href={`tel:${p.phone.replace(/[^\d+]/g, "")}`}>
                      <span class="k">Phone</span>
                      {p.phone}
                    </a>
                  </li>
                )}
                {p.website && (
                  <li>
                    <a href={p.website} rel="noopener noreferrer">
                      <span class="k">Web</span>
                      {p.website.replace(/^https?:\/\//, "")}
                    </a>
                  </li>
                )}
              </ul>
            )}
          </div>
        </article>
        <footer>Shared with Cardbox</footer>
      </main>
    </Page>
  );
}

export function ErrorPage(props: { status: number; message: string; nonce: string }) {
  return (
    <Page title={`${props.status} — Cardbox`} nonce={props.nonce}>
      <main>
        <article class="card error">
          <h1>{props.status === 404 ? "Card not found" : "Something went wrong"}</h1>
          <p class="role">{props.message}</p>
        </article>
      </main>
    </Page>
  );
}
