-- The dashboard's reads: volumes by paid time, the live table's catch-up by update time, recent
-- payments, and the deliveries of one invoice's events.
CREATE INDEX payment_intents_paid ON payment_intents (store_id, livemode, paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX payment_intents_updated ON payment_intents (store_id, livemode, updated_at);
CREATE INDEX payments_detected ON payments (detected_at DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
