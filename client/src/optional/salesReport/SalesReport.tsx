// Event.salesReport lands after the rest of the contract (rendered by a lambda): shown only
// once the graph has the field (SCHEMA_FEATURES.salesReport).
export function SalesReport(_props: { eventId: string }) {
  return null;
}
