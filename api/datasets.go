package api

func (s *server) datasetRoutes() []route { return nil }
