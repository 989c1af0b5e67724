// Realtime with the official PocketBase JavaScript SDK, on Node 20 with the
// `eventsource` package (DESIGN §5). Run by hooks/realtime_sdk_test.go:
//
//   PB_URL=http://127.0.0.1:PORT SDK_CONFIG='{...}' node realtime_sdk.mjs
//
// SDK_CONFIG: {"password", "commander", "otherCommander", "organizer",
// "event": {...body of the event the organizer declares}}.
//
// A commander signs in, subscribes to events/* and to `sync`; a commander
// of another unit does the same; an organizer declares an event in the
// first commander's unit. The first must receive the create (and a sync
// poke), the other nothing. Prints one JSON line and exits 0 on success.
import PocketBase from "pocketbase";
import { EventSource } from "eventsource";

globalThis.EventSource = EventSource; // Node 20 has none

const url = process.env.PB_URL;
const cfg = JSON.parse(process.env.SDK_CONFIG || "{}");
const fail = (msg) => {
  console.error("realtime_sdk: " + msg);
  process.exit(1);
};
const timeout = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error("timeout: " + what)), ms));

async function signIn(email) {
  const pb = new PocketBase(url);
  pb.autoCancellation(false);
  await pb.collection("users").authWithPassword(email, cfg.password);
  return pb;
}

try {
  const commander = await signIn(cfg.commander);
  const other = await signIn(cfg.otherCommander);
  const organizer = await signIn(cfg.organizer);

  const title = cfg.event.title;
  let gotCreate, gotPoke;
  const created = new Promise((resolve) => (gotCreate = resolve));
  const poked = new Promise((resolve) => (gotPoke = resolve));
  const leaks = [];

  await commander.collection("events").subscribe("*", (e) => {
    if (e.action === "create" && e.record.title === title) gotCreate(e);
  });
  await commander.realtime.subscribe("sync", (data) => gotPoke(data));
  await other.collection("events").subscribe("*", (e) => leaks.push(e));

  const record = await organizer.collection("events").create(cfg.event);
  const e = await Promise.race([created, timeout(10000, "no realtime create for the commander")]);
  if (e.record.id !== record.id) fail(`received ${e.record.id}, declared ${record.id}`);
  if (e.record.collectionName !== "events" || e.record.lead_unit !== record.lead_unit) fail("unexpected record " + JSON.stringify(e.record));
  const poke = await Promise.race([poked, timeout(5000, "no sync poke")]);
  if (typeof poke.cursor !== "string" || poke.cursor === "") fail("poke without cursor: " + JSON.stringify(poke));

  await new Promise((r) => setTimeout(r, 500)); // give a leak time to show
  if (leaks.length > 0) fail("the other unit's commander received " + JSON.stringify(leaks));

  await commander.collection("events").unsubscribe();
  await commander.realtime.unsubscribe();
  await other.collection("events").unsubscribe();
  console.log(JSON.stringify({ ok: true, event: record.id, action: e.action, cursor: poke.cursor }));
  process.exit(0);
} catch (err) {
  fail(err?.response ? JSON.stringify(err.response) : String(err?.stack || err));
}
