// The state an event's marker shows on the map, one per event, the most
// pressing first. Same facts as the badges of views/common.js eventBadges:
// the event's status, its clash flag (a party sees only `clash_notice`, J10),
// and its lead assignment. Pure: unit-tested in Node.

export const MAP_STATES = {
  cancelled: { label: 'Annulé', glyph: '–' },
  completed: { label: 'Terminé', glyph: '■' },
  in_progress: { label: 'En cours', glyph: '▶' },
  clash: { label: 'Conflit', glyph: '≠' },
  clash_notice: { label: 'Coordination police', glyph: '≠' },
  escalated: { label: 'Escaladé', glyph: '↑' },
  to_ack: { label: 'À prendre en compte', glyph: '!' },
  acknowledged: { label: 'Pris en compte', glyph: '✓' },
};

/** Order of the legend. */
export const LEGEND_ORDER = ['to_ack', 'acknowledged', 'escalated', 'clash', 'clash_notice', 'in_progress', 'cancelled', 'completed'];

/**
 * @param ev the event (replica + outbox overlay)
 * @param assignments its assignments (any order)
 * @param party true for party accounts: they never see `clash`
 */
export function mapState(ev, assignments, party) {
  if (ev.status === 'cancelled') return 'cancelled';
  if (ev.status === 'completed') return 'completed';
  if (ev.status === 'in_progress') return 'in_progress';
  if (!party && ev.clash) return 'clash';
  if (party && ev.clash_notice) return 'clash_notice';
  if (assignments.some((a) => a.status === 'escalated')) return 'escalated';
  const lead = assignments.find((a) => a.role === 'lead');
  if (lead && lead.status === 'acknowledged') return 'acknowledged';
  return 'to_ack'; // pending, adjustment requested, or not yet sent
}
