"""After the plenary: the documents of the day and the follow-up messages organizers compose for it."""
