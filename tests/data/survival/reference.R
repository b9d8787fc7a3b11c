# R code that produces the published reference numbers in known_answers.json (R >= 4, survival >= 3).
# Not run by the test suite (no R on CI); kept so anyone with R can regenerate and compare.
library(survival)
lung <- read.csv("lung_camis.csv", na.strings = ".")
print(survfit(Surv(time, status) ~ 1, data = lung))                       # median 310 (285, 363)
print(survdiff(Surv(time, status) ~ sex, data = lung))                    # chisq 10.3267
print(summary(coxph(Surv(time, status) ~ sex, data = lung)))              # -0.5310 (0.1672), C = 0.579
print(summary(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung)))

gehan <- read.csv("gehan.csv")
gehan$treated <- as.numeric(gehan$group == "treated")
print(coxph(Surv(weeks, relapse) ~ treated, data = gehan))                    # Efron: -1.5721 (0.4124)
print(coxph(Surv(weeks, relapse) ~ treated, data = gehan, ties = "breslow"))  # Breslow: -1.5092 (0.4096)
print(summary(survfit(Surv(weeks, relapse) ~ group, data = gehan, conf.type = "log-log")))
print(survdiff(Surv(weeks, relapse) ~ group, data = gehan))                   # chisq 16.8

sp <- read.csv("camis_special.csv")
fit <- survfit(Surv(time, status) ~ 1, data = sp, conf.type = "log-log")
print(quantile(fit, probs = 0.5))                                             # 102.5
print(summary(fit, times = 118, extend = TRUE))                               # 0.5 (0.184, 0.753)
print(summary(survfit(Surv(time, status) ~ 1, data = lung), times = 365.25))  # 0.409 (0.345, 0.486)
