"""What a realm holds: the objects that Realm.clone() (issue 20) would copy,
by kind, and what they reach that stays shared."""
