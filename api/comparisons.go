package api

func (s *server) comparisonRoutes() []route { return nil }
