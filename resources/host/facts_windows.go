package host

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

func (local) OS() (OSInfo, error) {
	v := windows.RtlGetVersion()
	return OSInfo{Family: "windows", Version: fmt.Sprintf("%d.%d", v.MajorVersion, v.MinorVersion), Build: strconv.Itoa(int(v.BuildNumber))}, nil
}

// Events asks wevtutil, which every Windows since Vista has, for the
// newest matching events with their rendered messages.
func (l local) Events(channel, provider string, ids []int, max int) ([]Event, error) {
	var conds []string
	if provider != "" {
		conds = append(conds, fmt.Sprintf("Provider[@Name='%s']", strings.ReplaceAll(provider, "'", "")))
	}
	if len(ids) > 0 {
		var or []string
		for _, id := range ids {
			or = append(or, fmt.Sprintf("EventID=%d", id))
		}
		conds = append(conds, "("+strings.Join(or, " or ")+")")
	}
	query := "*"
	if len(conds) > 0 {
		query = "*[System[" + strings.Join(conds, " and ") + "]]"
	}
	argv := []string{"wevtutil", "qe", channel, "/q:" + query, "/f:RenderedXml", "/rd:true", fmt.Sprintf("/c:%d", max)}
	exit, out, err := l.Run(context.Background(), argv, false, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("event log %s: %w", channel, err)
	}
	if exit != 0 {
		return nil, fmt.Errorf("event log %s: wevtutil exited %d: %s", channel, exit, strings.TrimSpace(out))
	}
	var events []Event
	dec := xml.NewDecoder(strings.NewReader("<Events>" + out + "</Events>"))
	var doc struct {
		Event []struct {
			System struct {
				Provider struct {
					Name string `xml:"Name,attr"`
				}
				EventID     int
				TimeCreated struct {
					SystemTime string `xml:"SystemTime,attr"`
				}
				Channel string
			}
			RenderingInfo struct{ Message string }
		}
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("event log %s: %w", channel, err)
	}
	for _, e := range doc.Event {
		t, _ := time.Parse(time.RFC3339Nano, e.System.TimeCreated.SystemTime)
		events = append(events, Event{Time: t, Channel: e.System.Channel, Provider: e.System.Provider.Name, ID: e.System.EventID, Message: e.RenderingInfo.Message})
	}
	return events, nil
}
