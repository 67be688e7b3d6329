package api

func (s *server) roundRoutes() []route { return nil }
