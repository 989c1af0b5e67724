package routes

import (
	"strings"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/hooks/priority"
	"coprosec/internal/ratelimit"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Per-account limits for signed-in traffic. A field phone replaying a day
// of offline work pushes in batches of up to 500 mutations, so the budget
// counts requests, not records.
const (
	accountRequestsPerMinute = 600
	accountPushesPerMinute   = 60
)

func (s *Routes) bindAccountRateLimit(e *core.ServeEvent) {
	requests := ratelimit.New(accountRequestsPerMinute, time.Minute)
	pushes := ratelimit.New(accountPushesPerMinute, time.Minute)
	e.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id: "coprosecAccountRateLimit",
		// right after PocketBase has loaded the auth token
		Priority: priority.AccountRateLimit,
		Func: func(e *core.RequestEvent) error {
			if e.Auth == nil || e.HasSuperuserAuth() || !e.App.Settings().RateLimits.Enabled {
				return e.Next()
			}
			key := e.Auth.Collection().Id + ":" + e.Auth.Id
			if !requests.Allow(key) {
				return apierr.TooManyRequests(apierr.CodeRateLimited, "Trop de requêtes pour ce compte, réessayez dans une minute.", int(requests.RetryAfter(key).Seconds())+1)
			}
			if strings.HasPrefix(e.Request.URL.Path, "/api/sync/push") && !pushes.Allow(key) {
				return apierr.TooManyRequests(apierr.CodeRateLimited, "Trop d'envois de synchronisation pour ce compte, réessayez dans une minute.", int(pushes.RetryAfter(key).Seconds())+1)
			}
			return e.Next()
		},
	})
}

// Failed sign-ins are limited per identity (a targeted guess) and per IP
// (a spray), with a per-IP budget large enough for a carrier NAT full of
// honest typos.
const (
	failuresPerIdentity = 5
	failuresPerIP       = 50
	failureWindow       = 15 * time.Minute
)

func (s *Routes) bindSignInGuard() {
	byIdentity := ratelimit.New(failuresPerIdentity, failureWindow)
	byIP := ratelimit.New(failuresPerIP, failureWindow)
	s.app.OnRecordAuthWithPasswordRequest().BindFunc(func(e *core.RecordAuthWithPasswordRequestEvent) error {
		if !e.App.Settings().RateLimits.Enabled {
			return e.Next()
		}
		identity := e.Collection.Id + ":" + strings.ToLower(strings.TrimSpace(e.Identity))
		ip := e.RealIP()
		for _, l := range []struct {
			lim *ratelimit.Limiter
			key string
		}{{byIdentity, identity}, {byIP, ip}} {
			if l.lim.Exceeded(l.key) {
				return apierr.TooManyRequests(apierr.CodeTooManyFailedSignins, "Trop de tentatives de connexion échouées, réessayez plus tard.", int(l.lim.RetryAfter(l.key).Seconds())+1)
			}
		}
		err := e.Next()
		if err != nil {
			byIdentity.Allow(identity)
			byIP.Allow(ip)
			return err
		}
		byIdentity.Reset(identity)
		return nil
	})
}
