package store

// datasetsMigrations create the coded-case tables (version 3).
var datasetsMigrations = []migration{}
