package dev.apibilling.spring.boot;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.tck.MutableClock;
import dev.apibilling.tck.SwitchableStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The beans every test application shares: a fake clock, and an in-memory store that counts settles and can fail. */
@Configuration(proxyBeanMethods = false)
class TestClockAndStore {

  static final String START = "2026-03-10T12:00:00Z";

  @Bean
  MutableClock clock() {
    return MutableClock.at(START);
  }

  @Bean
  Settles settles() {
    return new Settles();
  }

  @Bean
  SwitchableStore usageStore(Settles settles) {
    return new SwitchableStore(settles.counting(InMemoryUsageStore.create()));
  }
}
