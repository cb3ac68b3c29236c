package agent_test

import "github.com/adit-project/adit/internal/notify/mqttconn"

func mqttCfg(url string) mqttconn.Config { return mqttconn.Config{URL: url} }
