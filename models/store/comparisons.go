package store

// comparisonsMigrations create the comparison tables (version 4).
var comparisonsMigrations = []migration{}
