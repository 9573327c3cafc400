import type { Profile } from "../profiles/profiles.table";
import { Page, TURNSTILE_ORIGIN } from "./layout";
import type { LeadFormErrors, LeadFormValues } from "./lead-form";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A word's first letter as a reader sees it: "É" written as E and a combining accent stays whole. */
const firstLetter = (word: string) => graphemes.segment(word)[Symbol.iterator]().next().value?.segment ?? "";

/** The avatar's letters when there is no photo: the first and the last word's ("Ada King Lovelace" → "AL"). */
function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const picked = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
  return picked.map((word) => firstLetter(word).toUpperCase()).join("");
}

/** What the card shows under "Save contact": the lead form, the thanks after it, or nothing. */
export type LeadSection =
  | { kind: "form"; token: string; via: "qr" | "web"; values?: LeadFormValues; errors?: LeadFormErrors; turnstileSiteKey?: string }
  | { kind: "shared" }
  | { kind: "off" };

/** The public card: who this is, how to reach them, a prominent "Save contact", and the lead form. */
export function CardPage(props: { profile: Profile; url: string; nonce: string; lead: LeadSection }) {
  const { profile: p, url, nonce, lead } = props;
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
            {lead.kind === "form" && <LeadForm profile={p} {...lead} />}
            {lead.kind === "shared" && (
              <p class="thanks" role="status">
                Thank you — your details have been shared.
              </p>
            )}
          </div>
        </article>
        <footer>Shared with Cardbox</footer>
      </main>
    </Page>
  );
}

const ERROR_TITLES: Record<number, string> = {
  400: "This form could not be sent",
  404: "Card not found",
  429: "Too many submissions",
};

export function ErrorPage(props: { status: number; message: string; nonce: string }) {
  return (
    <Page title={`${props.status} — Cardbox`} nonce={props.nonce}>
      <main>
        <article class="card error">
          <h1>{ERROR_TITLES[props.status] ?? "Something went wrong"}</h1>
          <p class="role">{props.message}</p>
        </article>
      </main>
    </Page>
  );
}

/** One labelled text field of the lead form, with its message when it was wrong. */
function Field(props: {
  name: keyof LeadFormValues;
  label: string;
  type?: "text" | "email" | "tel";
  autocomplete: string;
  required?: boolean;
  values?: LeadFormValues;
  errors?: LeadFormErrors;
  multiline?: boolean;
}) {
  const id = `lead-${props.name}`;
  const error = props.errors?.[props.name];
  const value = props.values?.[props.name];
  const common = {
    id,
    name: props.name,
    autocomplete: props.autocomplete,
    required: props.required,
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
  };
  return (
    <>
      <label for={id}>
        {props.label}
        {props.required ? " (required)" : ""}
      </label>
      {props.multiline ? (
        <textarea {...common} maxlength={2000}>
          {typeof value === "string" ? value : ""}
        </textarea>
      ) : (
        <input {...common} type={props.type ?? "text"} value={typeof value === "string" ? value : undefined} maxlength={256} />
      )}
      {error && (
        <p class="err" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

/** "Share your details with {name}": works without JavaScript; Turnstile's widget only when it is on. */
function LeadForm(props: {
  profile: Profile;
  token: string;
  via: "qr" | "web";
  values?: LeadFormValues;
  errors?: LeadFormErrors;
  turnstileSiteKey?: string;
}) {
  const { profile: p, values, errors } = props;
  const field = { values, errors };
  const consentError = errors?.consent;
  return (
    <form class="lead" method="post" action={`/p/${p.handle}/connect`} aria-labelledby="lead-title">
      <h2 id="lead-title">Share your details with {p.name}</h2>
      {errors && Object.keys(errors).length > 0 && (
        <p class="err summary" role="alert">
          Please check the fields marked below.
        </p>
      )}
      <input type="hidden" name="csrf" value={props.token} />
      <input type="hidden" name="via" value={props.via} />
      <div class="hp" aria-hidden="true">
        <label for="lead-website">Leave this field empty</label>
        <input id="lead-website" type="text" name="website" tabindex={-1} autocomplete="off" />
      </div>
      <Field name="name" label="Name" autocomplete="name" required {...field} />
      <Field name="email" label="Email" type="email" autocomplete="email" {...field} />
      <Field name="phone" label="Phone" type="tel" autocomplete="tel" {...field} />
      <Field name="company" label="Company" autocomplete="organization" {...field} />
      <Field name="job_title" label="Job title" autocomplete="organization-title" {...field} />
      <Field name="note" label="Note" autocomplete="off" multiline {...field} />
      <label class="consent" for="lead-consent">
        <input
          id="lead-consent"
          type="checkbox"
          name="consent"
          value="yes"
          required
          checked={values?.consent === true}
          aria-invalid={consentError ? "true" : undefined}
          aria-describedby={consentError ? "lead-consent-error" : undefined}
        />
        <span>I agree that {p.name} receives the details I enter here, to get in touch with me.</span>
      </label>
      {consentError && (
        <p class="err" id="lead-consent-error">
          {consentError}
        </p>
      )}
      {props.turnstileSiteKey && (
        <>
          <div class="cf-turnstile" data-sitekey={props.turnstileSiteKey}></div>
          <script src={`${TURNSTILE_ORIGIN}/turnstile/v0/api.js`} async defer></script>
        </>
      )}
      <button type="submit">Share my details</button>
    </form>
  );
}
