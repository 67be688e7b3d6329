package store

// roundsMigrations create the expert-panel tables (version 2).
var roundsMigrations = []migration{}
