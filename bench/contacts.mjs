// The contacts both benchmarks hold (`npm run bench` writes them into D1 directly, `npm run bench:dev`
// through the API): twenty first names, twenty family names each with the contact's number (so
// `?q=lovel` matches one contact in twenty, each under a word of its own), four common tags and a
// rare one, two custom fields, one company in fifteen.
const FIRST = [
  "Ada",
  "Alan",
  "Grace",
  "Barbara",
  "Katherine",
  "Dorothy",
  "Mary",
  "Linus",
  "Margaret",
  "Edsger",
  "Donald",
  "Frances",
  "John",
  "Radia",
  "Tim",
  "Sophie",
  "Hedy",
  "Claude",
  "Anita",
  "Ken",
];
const LAST = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Liskov",
  "Johnson",
  "Vaughan",
  "Jackson",
  "Torvalds",
  "Hamilton",
  "Dijkstra",
  "Knuth",
  "Allen",
  "McCarthy",
  "Perlman",
  "Berners-Lee",
  "Wilson",
  "Lamarr",
  "Shannon",
  "Borg",
  "Thompson",
];
const COMPANIES = [
  "Analytical Engines",
  "Bletchley Park",
  "US Navy",
  "MIT",
  "NASA",
  "Linux Foundation",
  "Apollo Guidance",
  "Eindhoven",
  "Stanford",
  "IBM",
  "Bell Labs",
  "CERN",
  "Acme",
  "Globex",
  "Initech",
];
const HOT_TAGS = ["vip", "lead", "customer", "partner"];
/** Contact number `i`, as the API takes it. */
export function benchContact(i) {
  const first = FIRST[i % FIRST.length];
  const last = `${LAST[(i * 7) % LAST.length]}${i}`;
  return {
    first_name: first,
    last_name: last,
    email: `${first}.${last}@example.com`.toLowerCase(),
    job_title: "Engineer",
    company: COMPANIES[i % COMPANIES.length],
    stage: "Lead",
    notes: `Met at booth ${i % 97}; follow up`,
    // One key shared by a fifth of the contacts' values, one as rare as the rare tag.
    custom_fields: { tier: ["gold", "silver", "bronze", "lead", "none"][i % 5], account: `acct-${i % 5000}` },
    tags: [HOT_TAGS[i % HOT_TAGS.length], ...(i % 3 === 0 ? [HOT_TAGS[(i + 1) % HOT_TAGS.length]] : []), `rare-${i % 5000}`],
  };
}
